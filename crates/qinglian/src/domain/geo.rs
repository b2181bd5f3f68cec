//! Positions on the earth, as a phone's browser reports them: whether a pair of numbers is one,
//! and how far apart two are.

use serde::{Deserialize, Serialize};

/// A point in decimal degrees (WGS-84, as browsers give it).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// -90 to 90.
    pub latitude: f64,
    /// -180 to 180.
    pub longitude: f64,
}

/// The earth's mean radius in metres.
const EARTH: f64 = 6_371_008.8;

impl Point {
    /// The point, if both numbers are real degrees (a form may send "NaN" or 1e308).
    pub fn checked(latitude: f64, longitude: f64) -> Option<Point> {
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude))
            .then_some(Point { latitude, longitude })
    }

    /// The point a form's two fields give, if they are numbers and real degrees.
    pub fn parse(latitude: &str, longitude: &str) -> Option<Point> {
        Point::checked(latitude.trim().parse().ok()?, longitude.trim().parse().ok()?)
    }

    /// The point as stored: whole millionths of a degree (about 11 cm), exact on both engines.
    pub fn to_micro(self) -> (i64, i64) {
        ((self.latitude * 1e6).round() as i64, (self.longitude * 1e6).round() as i64)
    }

    pub fn from_micro(latitude: i64, longitude: i64) -> Point {
        Point { latitude: latitude as f64 / 1e6, longitude: longitude as f64 / 1e6 }
    }

    /// The great-circle distance in whole metres (haversine; within 0.5% of the ellipsoid's).
    pub fn metres_to(self, other: Point) -> i64 {
        let (a, b) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = b - a;
        let dlon = (other.longitude - self.longitude).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + a.cos() * b.cos() * (dlon / 2.0).sin().powi(2);
        (2.0 * EARTH * h.sqrt().min(1.0).asin()).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_the_map() {
        // Tian'anmen to the Bird's Nest, due north: 0.0842 degrees of latitude, some 9.36 km.
        let square = Point { latitude: 39.9087, longitude: 116.3975 };
        let stadium = Point { latitude: 39.9929, longitude: 116.3965 };
        assert!((9_300..9_400).contains(&square.metres_to(stadium)), "{}", square.metres_to(stadium));
        assert_eq!(square.metres_to(square), 0);
        // Across the date line and to the antipode: no NaN, no overflow.
        let east = Point { latitude: 0.0, longitude: 179.9 };
        let west = Point { latitude: 0.0, longitude: -179.9 };
        assert!((22_000..22_400).contains(&east.metres_to(west)));
        let north = Point { latitude: 90.0, longitude: 0.0 };
        let south = Point { latitude: -90.0, longitude: 0.0 };
        assert_eq!(north.metres_to(south), 20_015_114);
    }

    #[test]
    fn only_real_degrees_are_points() {
        assert!(Point::checked(f64::NAN, 0.0).is_none());
        assert!(Point::checked(0.0, f64::INFINITY).is_none());
        assert!(Point::checked(91.0, 0.0).is_none());
        assert!(Point::checked(0.0, -180.5).is_none());
        assert!(Point::parse("NaN", "0").is_none() && Point::parse("", "1").is_none());
        assert_eq!(Point::parse(" 31.5", "121.25 "), Point::checked(31.5, 121.25));
        let p = Point::checked(31.230416, 121.473701).unwrap();
        let (lat, lon) = p.to_micro();
        assert_eq!((lat, lon), (31_230_416, 121_473_701));
        assert_eq!(Point::from_micro(lat, lon), p);
    }
}
