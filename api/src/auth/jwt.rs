//! Access tokens: HS256 JWTs that live one hour. The algorithm is pinned and `iss`, `aud`,
//! `exp`, `nbf` and our `typ` claim are checked on every use.

use chrono::{Duration, Utc};
use entity::{OrgId, Role, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

/// How long an access token is valid.
pub const ACCESS_TOKEN_TTL: Duration = Duration::hours(1);
/// The only `typ` accepted as an access token (refresh tokens are opaque and never JWTs).
const ACCESS_TYP: &str = "access";
/// Shortest signing secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: UserId,
    /// The user's organization.
    pub org: OrgId,
    pub role: Role,
    pub typ: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Signs and checks access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

/// A freshly issued access token.
pub struct IssuedToken {
    pub token: String,
    pub expires_in_seconds: i64,
}

impl TokenKeys {
    /// Keys from a secret of at least [`MIN_SECRET_LEN`] bytes.
    pub fn new(secret: &SecretString, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let secret = secret.expose_secret().as_bytes();
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_LEN,
            "HUMANAIOS_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes"
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// A new access token for a user.
    pub fn issue(&self, user: UserId, org: OrgId, role: Role) -> ApiResult<IssuedToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            org,
            role,
            typ: ACCESS_TYP.to_owned(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_TTL.num_seconds(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| anyhow::anyhow!("signing an access token: {err}"))?;
        Ok(IssuedToken {
            token,
            expires_in_seconds: ACCESS_TOKEN_TTL.num_seconds(),
        })
    }

    /// The claims of a valid access token; any defect is `UNAUTHENTICATED`.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::Unauthenticated("access token has expired")
                }
                _ => ApiError::Unauthenticated("access token is invalid"),
            })?;
        if data.claims.typ != ACCESS_TYP {
            return Err(ApiError::Unauthenticated("access token is invalid"));
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            "humanaios",
            "humanaios-api",
        )
        .unwrap()
    }

    #[test]
    fn an_issued_token_verifies() {
        let keys = keys();
        let (user, org) = (UserId::new(), OrgId::new());
        let issued = keys.issue(user, org, Role::Operator).unwrap();
        let claims = keys.verify(&issued.token).unwrap();
        assert_eq!(
            (claims.sub, claims.org, claims.role),
            (user, org, Role::Operator)
        );
    }

    #[test]
    fn a_token_for_another_audience_or_with_alg_none_is_refused() {
        let keys = keys();
        let other = TokenKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            "humanaios",
            "someone-else",
        )
        .unwrap();
        let token = other
            .issue(UserId::new(), OrgId::new(), Role::Admin)
            .unwrap()
            .token;
        assert_eq!(keys.verify(&token).unwrap_err().code(), "UNAUTHENTICATED");

        // Same claims, header rewritten to alg "none" and the signature dropped.
        let token = keys
            .issue(UserId::new(), OrgId::new(), Role::Admin)
            .unwrap()
            .token;
        let payload = token.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let forged = format!("{header}.{payload}.");
        assert_eq!(keys.verify(&forged).unwrap_err().code(), "UNAUTHENTICATED");
    }

    #[test]
    fn a_short_secret_is_a_startup_error() {
        assert!(TokenKeys::new(&SecretString::from("short"), "i", "a").is_err());
    }
}
