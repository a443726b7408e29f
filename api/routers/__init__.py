"""The service's routes, one router per concern, each taking the Service by dependency."""
