//! What [`query!`](crate::query) returns: an inline query bound to a client and its
//! parameters, run by choosing its cardinality.
//!
//! ```text
//! // Needs a crate's quarry.snapshot.json, so not a doctest: compiled and run in
//! // tests/inline/pass/shapes.rs (trybuild).
//! let user = quarry::query!(&client, "SELECT id, email FROM users WHERE id = {id}").one().await?;
//! let active: Vec<_> = quarry::query!(&client, "SELECT id FROM users WHERE org_id = {org} AND active").all().await?;
//! ```

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use crate::rows::Row;
use postgres_types::ToSql;

/// An inline query with its parameters bound; run it with [`one`](Inline::one),
/// [`opt`](Inline::opt), [`all`](Inline::all), [`stream`](Inline::stream) or
/// [`exec`](Inline::exec). Statements are
/// prepared and cached per connection like generated functions' (one `static Query` per call
/// site).
#[must_use = "an inline query does nothing until `.one()`, `.opt()`, `.all()`, `.stream()` or `.exec()` is awaited"]
pub struct Inline<'a, C: ?Sized, R> {
    client: &'a C,
    query: &'static Query,
    params: &'a [&'a (dyn ToSql + Sync)],
    decode: fn(&Row) -> Result<R, Error>,
}

impl<C: ?Sized, R> std::fmt::Debug for Inline<'_, C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inline")
            .field("query", &self.query.name)
            .field("params", &self.params.len())
            .finish_non_exhaustive()
    }
}

impl<'a, C: GenericClient + ?Sized, R> Inline<'a, C, R> {
    /// Called by the macro's expansion.
    #[doc(hidden)]
    pub fn new(
        client: &'a C,
        query: &'static Query,
        params: &'a [&'a (dyn ToSql + Sync)],
        decode: fn(&Row) -> Result<R, Error>,
    ) -> Self {
        Inline {
            client,
            query,
            params,
            decode,
        }
    }

    /// Exactly one row; none or several is an [`ErrorKind::RowCount`](crate::ErrorKind::RowCount) error.
    pub async fn one(self) -> Result<R, Error> {
        crate::__private::one(self.client, self.query, self.params, self.decode).await
    }

    /// Zero or one row; several is a `RowCount` error.
    pub async fn opt(self) -> Result<Option<R>, Error> {
        crate::__private::opt(self.client, self.query, self.params, self.decode).await
    }

    /// Every row, decoded as it streams in.
    pub async fn all(self) -> Result<Vec<R>, Error> {
        crate::__private::many(self.client, self.query, self.params, self.decode).await
    }

    /// The rows as a [`RowStream`](crate::RowStream), decoded one at a time as they arrive:
    /// memory stays constant however many rows there are (as an `:iter` query's function).
    pub async fn stream(self) -> Result<crate::RowStream<R>, Error> {
        crate::__private::stream(self.client, self.query, self.params, self.decode).await
    }

    /// Runs the statement; returns the number of rows affected (result rows are ignored).
    pub async fn exec(self) -> Result<u64, Error> {
        crate::__private::exec(self.client, self.query, self.params).await
    }
}
