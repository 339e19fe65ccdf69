//! Event timelines: events on a time axis (`timeline`), start→end bars (`timeline_duration`), values over time (`timeline_values`).
