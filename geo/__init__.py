"""Travel times: straight-line fallback now, road networks from local OSM files later."""
