//! Gallery pages: sign-in locations on the offline world map, from SigninLogs'
//! `LocationDetails` and from plain latitude/longitude columns.

use std::error::Error;

use nbtools::polars::prelude::*;
use nbtools::views::map::{IpMap, MapPoint};

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let signins = tables.get("SigninLogs");
    let by_result = IpMap::from_frame(signins)
        .color_by("ResultType")
        .hover(["UserPrincipalName", "AppDisplayName"])
        .title("Sign-in locations by result")
        .build()?;
    // The same kind of data as latitude/longitude columns, with rows the map must skip.
    let columns = df!(
        "IpAddress" => ["82.163.74.10", "64.112.201.18", "185.220.101.4", "203.0.113.7", "198.51.100.1"],
        "Latitude" => [Some(51.5072), Some(42.3601), Some(44.4268), None, Some(123.0)],
        "Longitude" => [Some(-0.1276), Some(-71.0589), Some(26.1025), None, Some(10.0)],
        "Country" => ["GB", "US", "RO", "", "??"],
        "Verdict" => ["office", "office", "suspicious", "unknown", "bad data"]
    )?;
    let latlon = IpMap::from_frame(&columns)
        .color_by("Verdict")
        .title("Addresses from latitude/longitude columns")
        .build()?;
    // The plain-Rust API, across the antimeridian and both hemispheres.
    let points = IpMap::from_points([
        MapPoint::new(-18.14, 178.44, "Suva").category("Pacific"),
        MapPoint::new(64.73, 177.5, "Anadyr").category("Pacific"),
        MapPoint::new(-33.87, 151.21, "Sydney").category("Pacific"),
        MapPoint::new(-34.6, -58.38, "Buenos Aires").category("Americas"),
        MapPoint::new(61.22, -149.9, "Anchorage").category("Americas"),
    ])
    .title("Points from Rust")
    .build()?;
    Ok(vec![
        ("map-signins", by_result),
        ("map-latlon", latlon),
        ("map-points", points),
    ])
}
