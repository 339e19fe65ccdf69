//! Map: IP locations on an offline world map.
