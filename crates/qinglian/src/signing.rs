//! Short signed tokens: the rotating QR code of a sitting and the pass that lets a person finish
//! signing in after scanning it. HMAC-SHA256 with a key kept in the database, so every server
//! behind the load balancer accepts what any other issued.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::Db;

/// Seconds one QR code is shown before the next replaces it.
pub const QR_PERIOD: i64 = 30;
/// How long a pass (the form after a scan) stays good.
pub const PASS_SECONDS: i64 = 10 * 60;

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    Forged,
    Expired,
}

/// Distinct passes a sitting can hand out in one second.
const PASS_NONCES: i64 = 1_000_000;

impl Signer {
    /// The installation's key, made on first start.
    pub async fn load(db: &Db) -> anyhow::Result<Signer> {
        let fresh = hex::encode(rand::random::<[u8; 32]>());
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('signing_key', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&fresh)
        .execute(&db.pool)
        .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'signing_key'")
            .fetch_one(&db.pool)
            .await?;
        Ok(Signer { key: hex::decode(stored)? })
    }

    fn mac(&self, purpose: &str, a: i64, b: i64) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        m.update(format!("{purpose}:{a}:{b}").as_bytes());
        hex::encode(&m.finalize().into_bytes()[..12])
    }

    fn make(&self, purpose: &str, a: i64, b: i64) -> String {
        format!("{a}-{b}-{}", self.mac(purpose, a, b))
    }

    fn open(&self, purpose: &str, token: &str) -> Result<(i64, i64), TokenError> {
        let mut parts = token.trim().splitn(3, '-');
        let (Some(a), Some(b), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let (a, b) =
            (a.parse().map_err(|_| TokenError::Malformed)?, b.parse().map_err(|_| TokenError::Malformed)?);
        let expected = self.mac(purpose, a, b);
        let same = expected.len() == mac.len()
            && expected.bytes().zip(mac.bytes()).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same {
            Ok((a, b))
        } else {
            Err(TokenError::Forged)
        }
    }

    /// The code shown on the venue screen during the period containing `now`.
    pub fn qr_token(&self, sitting_id: i64, now: i64) -> String {
        self.make("qr", sitting_id, now.div_euclid(QR_PERIOD))
    }

    /// The six digits the venue screen shows beside its code during the period containing `now`,
    /// typed on a phone that cannot scan.
    pub fn number(&self, sitting_id: i64, now: i64) -> String {
        let mac = self.mac("number", sitting_id, now.div_euclid(QR_PERIOD));
        let n = u32::from_str_radix(&mac[..8], 16).unwrap_or(0) % 1_000_000;
        format!("{n:06}")
    }

    /// The sitting of a scanned code: good during its own period and the next (a minute at most),
    /// so a photo sent out of the room soon stops working.
    pub fn open_qr(&self, token: &str, now: i64) -> Result<i64, TokenError> {
        let (sitting, period) = self.open("qr", token)?;
        let current = now.div_euclid(QR_PERIOD);
        if period == current || period == current - 1 {
            Ok(sitting)
        } else {
            Err(TokenError::Expired)
        }
    }

    /// A phone's pass after scanning. Each scan's pass is its own (a random part beside the
    /// expiry), so the limit on wrong digits per pass is per phone, not per second of scanning.
    pub fn pass(&self, sitting_id: i64, now: i64) -> String {
        let nonce = rand::random::<u32>() as i64 % PASS_NONCES;
        self.make("pass", sitting_id, (now + PASS_SECONDS) * PASS_NONCES + nonce)
    }

    pub fn open_pass(&self, token: &str, now: i64) -> Result<i64, TokenError> {
        let (sitting, stamp) = self.open("pass", token)?;
        if now <= stamp.div_euclid(PASS_NONCES) {
            Ok(sitting)
        } else {
            Err(TokenError::Expired)
        }
    }

    /// A certificate's verification code: short enough to type, impossible to guess.
    pub fn certificate_code(&self, series_id: i64, person_id: i64) -> String {
        self.mac("certificate", series_id, person_id)[..12].to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer { key: vec![7; 32] }
    }

    #[test]
    fn qr_codes_live_for_two_periods() {
        let s = signer();
        let t = 1_653_000_000;
        let code = s.qr_token(42, t);
        assert_eq!(s.open_qr(&code, t), Ok(42));
        assert_eq!(s.open_qr(&code, t + QR_PERIOD), Ok(42));
        assert_eq!(s.open_qr(&code, t + 2 * QR_PERIOD), Err(TokenError::Expired));
    }

    #[test]
    fn forged_and_malformed_codes_are_refused() {
        let s = signer();
        let t = 1_653_000_000;
        let code = s.qr_token(42, t);
        let forged = code.replacen("42-", "43-", 1);
        assert_eq!(s.open_qr(&forged, t), Err(TokenError::Forged));
        assert_eq!(s.open_qr("hello", t), Err(TokenError::Malformed));
        // A pass is not a QR code, even with the same numbers.
        assert_eq!(s.open_qr(&s.pass(42, t), t), Err(TokenError::Forged));
        let other = Signer { key: vec![8; 32] };
        assert_eq!(other.open_qr(&code, t), Err(TokenError::Forged));
    }

    #[test]
    fn passes_expire() {
        let s = signer();
        let p = s.pass(5, 1000);
        assert_eq!(s.open_pass(&p, 1000 + PASS_SECONDS), Ok(5));
        assert_eq!(s.open_pass(&p, 1001 + PASS_SECONDS), Err(TokenError::Expired));
    }
}
