//! What generated enums and composites call. Not a public API: it changes in step with the
//! generator.

use super::{base_type, decode_value, read_i32, read_value, write_value, BoxError, FromSql, IsNull, Kind, ToSql, Type};
pub use bytes::BytesMut;
pub use postgres_types::to_sql_checked;

/// Whether `ty` is the user-defined type `schema.name`.
pub fn is(ty: &Type, schema: &str, name: &str) -> bool {
    ty.name() == name && ty.schema() == schema
}

/// The error for an enum label the generated enum does not know (the type changed since
/// the code was generated).
pub fn unknown_label(type_name: &str, raw: &[u8]) -> BoxError {
    format!(
        "`{}` is not a label of enum `{type_name}` as generated; regenerate the code",
        String::from_utf8_lossy(raw)
    )
    .into()
}

/// Reads the fields of a composite value in order.
#[derive(Debug)]
pub struct CompositeReader<'t, 'a> {
    ty: &'t Type,
    buf: &'a [u8],
    next: usize,
}

impl<'t, 'a> CompositeReader<'t, 'a> {
    /// Starts reading `raw`, checking the field count against the generated struct's.
    pub fn new(ty: &'t Type, mut raw: &'a [u8], expected: usize) -> Result<Self, BoxError> {
        let count = read_i32(&mut raw)?;
        if usize::try_from(count) != Ok(expected) {
            return Err(format!(
                "composite `{}` has {count} fields, the generated struct {expected}; regenerate the code",
                ty.name()
            )
            .into());
        }
        Ok(CompositeReader { ty, buf: raw, next: 0 })
    }

    /// Decodes the next field as `T`.
    pub fn field<T: FromSql<'a>>(&mut self, name: &str) -> Result<T, BoxError> {
        let _oid = read_i32(&mut self.buf)?;
        let raw = read_value(&mut self.buf)?;
        let ty = match base_type(self.ty).kind() {
            Kind::Composite(fields) => fields.get(self.next).map(|f| f.type_().clone()),
            _ => None,
        }
        .ok_or_else(|| format!("`{}` is not a composite type", self.ty.name()))?;
        self.next += 1;
        decode_value::<T>(&ty, raw).map_err(|e| format!("field `{name}` of `{}`: {e}", self.ty.name()).into())
    }
}

/// Writes a composite value: its field count, then each field's type OID and value.
pub fn write_composite(ty: &Type, values: &[&(dyn ToSql + Sync)], out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let Kind::Composite(fields) = base_type(ty).kind().clone() else {
        return Err(format!("`{}` is not a composite type", ty.name()).into());
    };
    if fields.len() != values.len() {
        return Err(format!(
            "composite `{}` has {} fields, the generated struct {}; regenerate the code",
            ty.name(),
            fields.len(),
            values.len()
        )
        .into());
    }
    out.extend_from_slice(&(values.len() as i32).to_be_bytes());
    for (field, value) in fields.iter().zip(values) {
        out.extend_from_slice(&field.type_().oid().to_be_bytes());
        let field_type = base_type(field.type_());
        write_value(out, |out| value.to_sql_checked(&field_type, out))
            .map_err(|e| format!("field `{}` of `{}`: {e}", field.name(), ty.name()))?;
    }
    Ok(IsNull::No)
}
