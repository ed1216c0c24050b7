"""A study area: walking network, facilities, buildings and land use, through the cache."""
