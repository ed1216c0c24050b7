"""Reading OpenStreetMap: local files and Overpass, the walking rule, the features that matter."""
