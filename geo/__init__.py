"""Travel times: road networks from local OpenStreetMap files (car, walk, the labelled public
transport estimate), the labelled straight-line fallback elsewhere; geo imports no planner."""
