//! Money: an exact decimal amount of US dollars.
//!
//! The API speaks decimals; the database stores whole nanodollars (1e-9 USD) in a 64-bit
//! integer. SQLite has no exact decimal column (sea-orm would store a lossy REAL), and an
//! integer sums exactly in SQL on SQLite and PostgreSQL alike, so both backends agree to the
//! last digit. Nine places cover per-token prices; ±9.2 billion dollars covers any amount.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Decimal places kept: amounts are whole nanodollars.
pub const SCALE: u32 = 9;

/// An amount that cannot be represented exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount has more than {SCALE} decimal places")]
    TooPrecise,
    #[error("amount is out of range")]
    OutOfRange,
    #[error("amount must not be negative")]
    Negative,
    #[error("`{0}` is not a decimal amount")]
    NotANumber(String),
}

/// An exact amount of US dollars, at most nine decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Usd(Decimal);

impl Usd {
    pub const ZERO: Usd = Usd(Decimal::ZERO);

    /// Checks that `amount` is non-negative, has at most nine places and fits storage.
    pub fn new(amount: Decimal) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        let normalized = amount.normalize();
        if normalized.scale() > SCALE {
            return Err(MoneyError::TooPrecise);
        }
        let usd = Usd(normalized);
        usd.try_nanos()?;
        Ok(usd)
    }

    /// The amount from whole nanodollars (as stored).
    pub fn from_nanos(nanos: i64) -> Self {
        Usd(Decimal::new(nanos, SCALE).normalize())
    }

    /// The amount in whole nanodollars (as stored).
    pub fn nanos(self) -> i64 {
        // `new` and `from_nanos` are the only constructors and both guarantee the range.
        self.try_nanos().unwrap_or(i64::MAX)
    }

    fn try_nanos(self) -> Result<i64, MoneyError> {
        let scaled = self
            .0
            .checked_mul(Decimal::from(1_000_000_000u64))
            .ok_or(MoneyError::OutOfRange)?;
        i64::try_from(scaled).map_err(|_| MoneyError::OutOfRange)
    }

    /// The exact decimal value.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Sum of two amounts, `None` past the storable range.
    pub fn checked_add(self, other: Usd) -> Option<Usd> {
        self.nanos().checked_add(other.nanos()).map(Usd::from_nanos)
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Usd {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let amount =
            Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::NotANumber(s.to_owned()))?;
        Usd::new(amount)
    }
}

impl TryFrom<Decimal> for Usd {
    type Error = MoneyError;

    fn try_from(amount: Decimal) -> Result<Self, Self::Error> {
        Usd::new(amount)
    }
}

/// JSON carries money as a string ("0.0042"), so no client parses it into a float.
impl serde::Serialize for Usd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Accepts a string or a JSON number (a number goes through its shortest decimal text, which
/// is exact for the fifteen significant digits money needs; send strings to be safe).
impl<'de> serde::Deserialize<'de> for Usd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let amount = <Decimal as serde::Deserialize>::deserialize(d)?;
        Usd::new(amount).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "db")]
mod db {
    //! Stores [`Usd`] as a BIGINT of nanodollars.
    use super::Usd;
    use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, Value, ValueType, ValueTypeErr};
    use sea_orm::{ColIdx, QueryResult, TryGetError, TryGetable};

    impl From<Usd> for Value {
        fn from(usd: Usd) -> Value {
            Value::BigInt(Some(usd.nanos()))
        }
    }

    impl TryGetable for Usd {
        fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
            i64::try_get_by(res, index).map(Usd::from_nanos)
        }
    }

    impl ValueType for Usd {
        fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
            match v {
                Value::BigInt(Some(nanos)) => Ok(Usd::from_nanos(nanos)),
                _ => Err(ValueTypeErr),
            }
        }

        fn type_name() -> String {
            "Usd".to_owned()
        }

        fn array_type() -> ArrayType {
            ArrayType::BigInt
        }

        fn column_type() -> ColumnType {
            ColumnType::BigInteger
        }
    }

    impl Nullable for Usd {
        fn null() -> Value {
            Value::BigInt(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_through_nanodollars_exactly() {
        let usd: Usd = "0.000000123".parse().unwrap();
        assert_eq!(usd.nanos(), 123);
        assert_eq!(Usd::from_nanos(123).to_string(), "0.000000123");
        let big: Usd = "1234567.5".parse().unwrap();
        assert_eq!(Usd::from_nanos(big.nanos()), big);
    }

    #[test]
    fn more_than_nine_places_negative_or_huge_amounts_are_refused() {
        assert_eq!("0.0000000001".parse::<Usd>(), Err(MoneyError::TooPrecise));
        assert_eq!("-1".parse::<Usd>(), Err(MoneyError::Negative));
        assert_eq!("99999999999999".parse::<Usd>(), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn json_numbers_and_strings_both_parse_exactly() {
        let usd: Usd = serde_json::from_str("0.1").unwrap();
        assert_eq!(usd.nanos(), 100_000_000);
        let usd: Usd = serde_json::from_str("\"2.50\"").unwrap();
        assert_eq!(serde_json::to_string(&usd).unwrap(), "\"2.5\"");
    }
}
