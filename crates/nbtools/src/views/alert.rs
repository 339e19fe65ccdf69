//! Alert view: one SecurityAlert with its entities and extended properties.
