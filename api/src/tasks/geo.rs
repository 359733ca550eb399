//! Places on the Earth without PostGIS: a latitude/longitude bounding box that an ordinary
//! index narrows the search with, and the haversine great-circle distance that refines it.
//! Written by hand because it is two formulas; no crate is needed for them.

use crate::error::{ApiError, ApiResult};

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6_371.008_8;
/// Largest search radius accepted: half the Earth's circumference covers everything.
pub const MAX_RADIUS_KM: f64 = 20_037.5;

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lng: f64,
}

impl Point {
    /// Checks the ranges (latitude −90..90, longitude −180..180, finite); `field` names the
    /// input in the error.
    pub fn new(lat: f64, lng: f64, field: &str) -> ApiResult<Point> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ApiError::invalid(
                format!("{field}.latitude"),
                "must be between -90 and 90",
            ));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(ApiError::invalid(
                format!("{field}.longitude"),
                "must be between -180 and 180",
            ));
        }
        Ok(Point { lat, lng })
    }

    /// A point from optional coordinates: both or neither.
    pub fn optional(lat: Option<f64>, lng: Option<f64>, field: &str) -> ApiResult<Option<Point>> {
        match (lat, lng) {
            (Some(lat), Some(lng)) => Point::new(lat, lng, field).map(Some),
            (None, None) => Ok(None),
            _ => Err(ApiError::invalid(
                field,
                "latitude and longitude go together: give both or neither",
            )),
        }
    }
}

/// Great-circle distance in kilometres (haversine).
pub fn distance_km(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_lat = lat2 - lat1;
    let d_lng = (b.lng - a.lng).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// A search circle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub center: Point,
    pub radius_km: f64,
}

impl Circle {
    /// Checks the centre and the radius (positive, at most [`MAX_RADIUS_KM`]).
    pub fn new(lat: f64, lng: f64, radius_km: f64) -> ApiResult<Circle> {
        let center = Point::new(lat, lng, "near")?;
        if !radius_km.is_finite() || radius_km <= 0.0 || radius_km > MAX_RADIUS_KM {
            return Err(ApiError::invalid(
                "near.radiusKm",
                format!("must be greater than 0 and at most {MAX_RADIUS_KM}"),
            ));
        }
        Ok(Circle { center, radius_km })
    }

    /// Whether `p` lies inside (or on) the circle.
    pub fn contains(&self, p: Point) -> bool {
        distance_km(self.center, p) <= self.radius_km
    }

    /// The latitude/longitude ranges every point of the circle lies in. Longitude may come
    /// as two ranges when the box crosses the antimeridian, and as the whole circle of
    /// longitudes when the circle reaches a pole.
    pub fn bounding_box(&self) -> BoundingBox {
        let d_lat = (self.radius_km / EARTH_RADIUS_KM).to_degrees();
        let min_lat = self.center.lat - d_lat;
        let max_lat = self.center.lat + d_lat;
        if min_lat <= -90.0 || max_lat >= 90.0 {
            return BoundingBox {
                lat: (min_lat.max(-90.0), max_lat.min(90.0)),
                lng: vec![(-180.0, 180.0)],
            };
        }
        // The widest longitude span is at the latitude nearest a pole; asin of the ratio of
        // the angular radius to the cosine of the latitude gives it exactly.
        let ratio = (self.radius_km / EARTH_RADIUS_KM).sin() / self.center.lat.to_radians().cos();
        if ratio >= 1.0 {
            return BoundingBox {
                lat: (min_lat, max_lat),
                lng: vec![(-180.0, 180.0)],
            };
        }
        let d_lng = ratio.asin().to_degrees();
        let (west, east) = (self.center.lng - d_lng, self.center.lng + d_lng);
        let lng = if west < -180.0 {
            vec![(west + 360.0, 180.0), (-180.0, east)]
        } else if east > 180.0 {
            vec![(west, 180.0), (-180.0, east - 360.0)]
        } else {
            vec![(west, east)]
        };
        BoundingBox {
            lat: (min_lat, max_lat),
            lng,
        }
    }
}

/// Latitude range and one or two longitude ranges, inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundingBox {
    pub lat: (f64, f64),
    pub lng: Vec<(f64, f64)>,
}

impl BoundingBox {
    /// Whether `p` is inside the box.
    pub fn contains(&self, p: Point) -> bool {
        (self.lat.0..=self.lat.1).contains(&p.lat)
            && self.lng.iter().any(|(w, e)| (*w..=*e).contains(&p.lng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn known_distances() {
        let paris = Point {
            lat: 48.8566,
            lng: 2.3522,
        };
        let london = Point {
            lat: 51.5074,
            lng: -0.1278,
        };
        let d = distance_km(paris, london);
        assert!((d - 343.5).abs() < 1.0, "Paris–London {d}");
        assert_eq!(distance_km(paris, paris), 0.0);
        let a = Point {
            lat: 0.0,
            lng: 179.9,
        };
        let b = Point {
            lat: 0.0,
            lng: -179.9,
        };
        assert!(distance_km(a, b) < 23.0, "across the antimeridian");
    }

    #[test]
    fn the_box_holds_every_point_of_the_circle() {
        // Random circles, including near the poles and the antimeridian, and random points:
        // any point inside the circle must be inside its box (the box may only add points).
        let mut rng = rand::rng();
        for _ in 0..2_000 {
            let circle = Circle::new(
                rng.random_range(-89.9..89.9),
                rng.random_range(-180.0..180.0),
                rng.random_range(0.1..3_000.0),
            )
            .unwrap();
            let bbox = circle.bounding_box();
            for _ in 0..50 {
                let p = Point {
                    lat: (circle.center.lat + rng.random_range(-30.0..30.0)).clamp(-90.0, 90.0),
                    lng: {
                        let lng = circle.center.lng + rng.random_range(-60.0..60.0);
                        if lng > 180.0 {
                            lng - 360.0
                        } else if lng < -180.0 {
                            lng + 360.0
                        } else {
                            lng
                        }
                    },
                };
                if circle.contains(p) {
                    assert!(bbox.contains(p), "{circle:?} {p:?} {bbox:?}");
                }
            }
        }
    }

    #[test]
    fn bad_coordinates_and_radii_are_refused() {
        assert!(Point::new(91.0, 0.0, "location").is_err());
        assert!(Point::new(0.0, -180.5, "location").is_err());
        assert!(Point::new(f64::NAN, 0.0, "location").is_err());
        assert!(Point::optional(Some(1.0), None, "location").is_err());
        assert_eq!(Point::optional(None, None, "location").unwrap(), None);
        assert!(Circle::new(0.0, 0.0, 0.0).is_err());
        assert!(Circle::new(0.0, 0.0, -5.0).is_err());
        assert!(Circle::new(0.0, 0.0, 30_000.0).is_err());
    }
}
