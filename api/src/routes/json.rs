//! `JsonBody<T>`: a JSON request body whose type errors name the field, e.g.
//! `applicant.address.postcode`, instead of a line and column.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// Largest JSON body accepted.
pub const LIMIT: usize = 64 * 1024;

pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::BadRequest(
                    "Content-Type must be application/json".into(),
                ));
            }
            let bytes =
                body.await
                    .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                        Some(actix_web::error::PayloadError::Overflow) => {
                            ApiError::ContentTooLarge(LIMIT)
                        }
                        _ => ApiError::BadRequest(e.to_string()),
                    })?;
            if bytes.len() > LIMIT {
                return Err(ApiError::ContentTooLarge(LIMIT));
            }
            // Every body is an object; serde would also fill a struct from an array.
            if bytes.trim_ascii_start().first() != Some(&b'{') {
                return Err(ApiError::BadRequest(
                    "the body must be a JSON object".into(),
                ));
            }
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(&mut deserializer)
                .map(JsonBody)
                .map_err(|e| {
                    let path = e.path().to_string();
                    let reason = e.into_inner();
                    if reason.is_data() && path != "." {
                        ApiError::WrongType {
                            field: path,
                            reason: reason.to_string(),
                        }
                    } else {
                        ApiError::BadRequest(format!("malformed JSON: {reason}"))
                    }
                })
        })
    }
}
