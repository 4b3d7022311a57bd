//! Introspection: asks PostgreSQL for every query's parameter and column types.
//!
//! All statements are described in a pipeline on one connection (a round trip per 64
//! queries, plus one per level of nesting of the user-defined types they use). Columns that come
//! straight from a table are then looked up in `pg_attribute` in a single query to learn
//! whether they are `NOT NULL`.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::dynamic::prove::{self, Variant};
use crate::error::Error;
use crate::model::{Column, Model, Module, Param, Query};
use crate::nullability::{element_nullability, infer, Catalog, Context, Elements, Verdict};
use crate::parse::{QueryDef, QueryFile, QueryKind, Syntax};
use crate::pg::{Connection, Statement};
use crate::progress::{Listener, Progress};
use crate::scan::{scan, TokenKind};
use crate::types::{Resolver, RustType, TypeSettings, Unsupported};
use std::collections::HashMap;

mod diagnostics;

use diagnostics::{apply_overrides, column_span, json_column, outer_joined_rows, prepare_error};

/// Prepares every query of every file and builds the typed model. Queries the server
/// refuses, and types that do not map, are [`Error::Diagnostics`]; a connection that fails
/// or stalls past its deadline is [`Error::Database`].
pub fn introspect(
    client: &mut Connection,
    files: &[QueryFile],
    settings: &TypeSettings,
    progress: &Listener,
) -> Result<Model, Error> {
    let all: Vec<(&QueryFile, &QueryDef)> = files
        .iter()
        .flat_map(|f| f.queries.iter().map(move |q| (f, q)))
        .collect();
    let total = all.len();
    let mut sqls: Vec<&str> = all.iter().map(|(_, q)| q.sql.as_str()).collect();
    // Dynamic queries' variants go in the same pipeline, after every statement as written.
    let mut variants: Vec<Vec<Variant>> = all
        .iter()
        .map(|(_, q)| q.dynamic.as_ref().map(prove::variants).unwrap_or_default())
        .collect();
    sqls.extend(variants.iter().flatten().map(|v| v.sql.as_str()));
    let mut prepared = client
        .prepare_all(&sqls, |done| progress.report(Progress::Preparing { done, total }))
        .map_err(crate::database::lost)?;
    let mut variant_results = prepared.split_off(all.len()).into_iter();
    let mut proofs: Vec<Vec<(Variant, _)>> = variants
        .iter_mut()
        .map(|vs| {
            std::mem::take(vs)
                .into_iter()
                .map(|v| (v, variant_results.next().expect("one result per variant")))
                .collect()
        })
        .collect();
    let mut errors = Vec::new();
    let mut statements = Vec::with_capacity(all.len());
    for ((file, query), result) in all.iter().zip(prepared) {
        match result {
            Ok(statement) => statements.push(statement),
            Err(e) => errors.push(prepare_error(&file.source, query, &e)),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Diagnostics(errors));
    }
    let catalog = Catalog::load(client).map_err(crate::database::lost)?;
    let mut statement_list = statements.iter();
    let mut proofs = proofs.iter_mut();
    let mut resolver = Resolver::new(settings).with_table_rows(catalog.table_row_types());
    let mut modules = Vec::new();
    let mut warnings = Vec::new();
    for file in files {
        let mut queries = Vec::new();
        for query in &file.queries {
            let statement = statement_list.next().expect("one statement per query");
            let proof = std::mem::take(proofs.next().expect("one proof list per query"));
            let (base, key_types) = match &query.dynamic {
                Some(dynamic) => match prove::prove(&file.source, query, dynamic, statement, proof) {
                    Ok((def, base, keys)) => (Some(infer_nullability(&file.source, &def, &base, &catalog)), keys),
                    Err(mut problems) => {
                        errors.append(&mut problems);
                        continue;
                    }
                },
                None => (None, Vec::new()),
            };
            let input = QueryInput {
                source: &file.source,
                query,
                statement,
                catalog: &catalog,
                base_verdicts: base,
                key_types,
            };
            match resolve_query(&input, &mut resolver, client) {
                Ok((q, mut w)) => {
                    queries.push(q);
                    warnings.append(&mut w);
                }
                Err(e) => errors.push(e),
            }
        }
        errors.extend(crate::companions::clashes(&file.source, &file.queries, &queries));
        modules.push(Module {
            name: file.module.clone(),
            file: file.source.path.clone(),
            queries,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Diagnostics(errors));
    }
    crate::bulk::attach_all(client, files, &statements, &mut modules)?;
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    let (user_types, tables) = resolver.into_parts();
    Ok(Model {
        modules,
        warnings,
        user_types,
        tables,
        search_path: catalog.explicit_search_path().to_vec(),
        migrations: Vec::new(),
    })
}

/// `field`, or the first of `field_2`, `field_3`, … that is not `taken`.
fn unique_field(field: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(field) {
        return field.to_string();
    }
    (2..)
        .map(|n| format!("{field}_{n}"))
        .find(|f| !taken(f))
        .expect("a free suffix")
}

/// sqlc's rule for rows with `sqlc.embed`: top-level fields (plain columns and embedded
/// structs, in column order) that repeat a name get `_2`, `_3`, ….
fn suffix_embedded_duplicates(columns: &mut [Column], embeds: &mut [crate::model::Embed]) {
    let mut taken: Vec<String> = Vec::new();
    for (i, column) in columns.iter_mut().enumerate() {
        if let Some(embed) = embeds.iter_mut().find(|e| e.first == i) {
            embed.field = unique_field(&embed.field, |f| taken.iter().any(|t| t == f));
            taken.push(embed.field.clone());
        } else if !embeds.iter().any(|e| (e.first..e.first + e.len).contains(&i)) {
            column.field = unique_field(&column.field, |f| taken.iter().any(|t| t == f));
            taken.push(column.field.clone());
        }
    }
}

/// Keywords after which a column read from a `NOT NULL` table column may still be `NULL`:
/// outer joins fill missing sides with `NULL`, grouping sets null out grouped columns.
/// Until full nullability inference lands, their presence makes every column `Option`.
const NULL_INTRODUCING: [&str; 6] = ["left", "right", "full", "rollup", "cube", "grouping"];

/// The verdict for each column: full inference, or the conservative rule when the SQL
/// cannot be analysed.
fn infer_nullability(source: &SourceFile, query: &QueryDef, statement: &Statement, catalog: &Catalog) -> Vec<Verdict> {
    let nullable_params: Vec<bool> = query.params.iter().map(|p| p.nullable).collect();
    let first_line = source.line_col(query.sql_span.start).0;
    let context = Context {
        catalog,
        nullable_params: &nullable_params,
        first_line,
    };
    let failure = match infer(&query.sql, &context) {
        Ok(verdicts) if verdicts.len() == statement.columns().len() => return verdicts,
        Ok(verdicts) => format!(
            "analysis found {} columns, the server {}",
            verdicts.len(),
            statement.columns().len()
        ),
        // The parser's own words stay out of doc comments: they name its grammar, not the query.
        Err(e) if e.starts_with("sqlparser:") => "a construct the SQL analysis does not read".to_string(),
        Err(e) => e,
    };
    let uncertain = may_introduce_nulls(&query.sql);
    statement
        .columns()
        .iter()
        .map(|column| {
            let origin = column.table_oid().zip(column.column_id());
            let verdict = match origin {
                Some((oid, attnum)) if catalog.is_not_null_column(oid, attnum) && !uncertain => {
                    Verdict::non_null(format!("NOT NULL table column (SQL not analysed: {failure})"))
                }
                _ => Verdict::nullable(format!(
                    "SQL not analysed ({failure}); only plain NOT NULL columns are trusted"
                )),
            };
            // The server reports an origin only for a column read unchanged from its table.
            match origin {
                Some((oid, attnum)) if catalog.has_non_null_elements(oid, attnum) => verdict.with_elements(
                    Elements::NonNull("a CHECK constraint on the column rules out NULL elements".into()),
                ),
                _ => verdict,
            }
        })
        .collect()
}

/// The type a result column is declared with: the server reports a domain column as the
/// domain's base type, so with `domain_newtypes` the domain is found through the column's
/// origin (only a column read unchanged from its table has one).
fn declared_type(
    reported: &postgres_types::Type,
    origin: Option<(u32, i16)>,
    catalog: &Catalog,
    settings: &TypeSettings,
) -> postgres_types::Type {
    match origin.and_then(|(oid, attnum)| catalog.domain_of(oid, attnum)) {
        Some((oid, schema, name)) if settings.domain_newtypes => postgres_types::Type::new(
            name.clone(),
            *oid,
            postgres_types::Kind::Domain(reported.clone()),
            schema.clone(),
        ),
        _ => reported.clone(),
    }
}

fn may_introduce_nulls(sql: &str) -> bool {
    scan(sql).map_or(true, |tokens| {
        tokens.iter().filter(|t| t.kind == TokenKind::Code).any(|t| {
            let word = &sql[t.span.clone()];
            NULL_INTRODUCING.iter().any(|k| word.eq_ignore_ascii_case(k))
        })
    })
}

/// One prepared query and what resolving it needs.
struct QueryInput<'a> {
    source: &'a SourceFile,
    query: &'a QueryDef,
    statement: &'a Statement,
    catalog: &'a Catalog,
    /// A dynamic query's nullability with no optional line on: a column nullable there is
    /// nullable (an optional line may filter rows, so it never makes a column non-null).
    base_verdicts: Option<Vec<Verdict>>,
    /// A dynamic query's keyset parameter types, per sort (empty without `-- after`).
    key_types: Vec<Vec<postgres_types::Type>>,
}

impl QueryInput<'_> {
    fn at_name(&self, message: String, hint: String) -> Diagnostic {
        Diagnostic::at(self.source, self.query.name_span.clone(), message).with_help(hint)
    }

    fn unsupported(&self, what: String, e: Unsupported) -> Diagnostic {
        self.at_name(
            format!(
                "query `{}`: {what} has type `{}`, which quarry cannot map to a Rust type",
                self.query.name, e.pg_type
            ),
            e.hint,
        )
    }
}

fn resolve_query(
    input: &QueryInput<'_>,
    resolver: &mut Resolver<'_>,
    client: &mut Connection,
) -> Result<(Query, Vec<Diagnostic>), Diagnostic> {
    let QueryInput {
        source,
        query,
        statement,
        catalog,
        ..
    } = *input;
    let params = resolve_params(input, resolver)?;
    let mut verdicts = infer_nullability(source, query, statement, catalog);
    for (verdict, base) in verdicts.iter_mut().zip(input.base_verdicts.iter().flatten()) {
        if base.nullable && !verdict.nullable {
            *verdict = Verdict::nullable(format!("nullable with no optional line: {}", base.reason));
        }
    }
    let (verdicts, mut warnings) = apply_overrides(source, query, statement, verdicts);
    let mut columns = Vec::new();
    let mut json_structs = Vec::new();
    let mut fields: HashMap<String, String> = HashMap::new();
    // `:exec`-like kinds ignore result columns, so their types need no Rust mapping
    // (`SELECT pg_sleep(1)` returns `void`).
    let returns_rows = !matches!(query.kind.single(), QueryKind::Exec | QueryKind::CopyFrom);
    for (column, verdict) in statement.columns().iter().zip(verdicts).filter(|_| returns_rows) {
        let origin_ids = column.table_oid().zip(column.column_id());
        let origin = origin_ids.and_then(|(oid, attnum)| catalog.origin(oid, attnum));
        let overridden = resolver.settings().column_override(&query.name, column.name(), origin);
        let ty: RustType = match overridden {
            Some(rust) => RustType::by_ref(column.type_(), rust),
            None => resolver
                .resolve(&declared_type(column.type_(), origin_ids, catalog, resolver.settings()))
                .map_err(|e| input.unsupported(format!("column `{}`", column.name()), e))?,
        };
        if let Some(warning) = outer_joined_rows(input, column.name(), &ty, &verdict.elements) {
            warnings.push(warning);
        }
        let shape = verdict
            .json
            .as_deref()
            .filter(|_| overridden.is_none() && !query.inline);
        let json = match shape {
            Some(shape) => match json_column(input, resolver, client, column, shape) {
                Ok(typed) => {
                    json_structs.extend(typed.structs);
                    Some(typed.ty)
                }
                Err(warning) => {
                    warnings.push(warning);
                    None
                }
            },
            None => None,
        };
        let is_json = json.is_some();
        let (ty, elements_reason) = match json {
            Some(typed) => (typed, String::new()),
            None => element_nullability(ty, &verdict.elements, resolver.settings()),
        };
        let (nullable, reason) = (verdict.nullable, verdict.reason + &elements_reason);
        let several = statement.columns().len() > 1;
        let mut field = match crate::naming::field(column.name()) {
            Some(field) => field,
            None if !several => crate::naming::snake(column.name()),
            None => {
                return Err(Diagnostic::at(
                    source,
                    column_span(query, source, column.name()),
                    format!(
                        "query `{}`: column `{}` has no usable Rust field name",
                        query.name,
                        column.name()
                    ),
                )
                .with_help("give the column a name with an alias: `expression AS some_name`"))
            }
        };
        // sqlc names a repeated column `id_2`, `id_3`, … (quarry's own syntax asks for an alias).
        if query.syntax == Syntax::Sqlc && query.embeds.is_empty() {
            field = unique_field(&field, |f| fields.contains_key(f));
        }
        // With `sqlc.embed`, embedded columns live in nested structs: checked once resolved.
        let previous = fields.insert(field.clone(), column.name().to_string());
        if let Some(previous) = previous.filter(|_| several && query.embeds.is_empty()) {
            return Err(input.at_name(
                format!(
                    "query `{}`: columns `{previous}` and `{}` both become field `{field}`",
                    query.name,
                    column.name()
                ),
                "rename one of them with an alias: `t.id AS task_id`".into(),
            ));
        }
        columns.push(Column {
            field,
            pg_name: column.name().to_string(),
            ty,
            nullable,
            nullability_reason: reason,
            json: is_json,
        });
    }
    // `SELECT FROM t` has rows of no columns (sqlc reads them into an empty struct); a write
    // without `RETURNING` under a row kind is a mistake.
    let zero_column_select = query
        .sql
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("select"));
    if columns.is_empty()
        && !query.inline
        && !zero_column_select
        && !matches!(query.kind.single(), QueryKind::Exec | QueryKind::CopyFrom)
    {
        return Err(input.at_name(
            format!("query `{}` returns no columns, so it cannot be `{}`", query.name, query.kind.name()),
            "use `:exec` for statements without a result (it returns the number of rows affected), or add `RETURNING …`".into(),
        ));
    }
    let origins: Vec<_> = statement
        .columns()
        .iter()
        .map(|c| c.table_oid().zip(c.column_id()))
        .collect();
    let mut embeds = resolver.models().embeds(catalog, source, query, &columns, &origins)?;
    if query.syntax == Syntax::Sqlc && !embeds.is_empty() {
        suffix_embedded_duplicates(&mut columns, &mut embeds);
    }
    let embedded = |i: usize| embeds.iter().any(|e| (e.first..e.first + e.len).contains(&i));
    if !embeds.is_empty() {
        let top_level = columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !embedded(*i))
            .map(|(_, c)| c.field.as_str())
            .chain(embeds.iter().map(|e| e.field.as_str()));
        let mut seen = std::collections::HashSet::new();
        if let Some(field) = top_level.into_iter().find(|f| !seen.insert(*f)) {
            return Err(input.at_name(
                format!("query `{}`: two fields of the row are named `{field}`", query.name),
                "rename a column with an alias (`t.id AS book_id`); an embedded table's field is its struct name in snake_case".into(),
            ));
        }
    }
    let row_model = if embeds.is_empty() && query.overrides.is_empty() {
        resolver.models().whole_row(catalog, &columns, &origins)
    } else {
        None
    };
    let copy = match query.kind {
        QueryKind::CopyFrom => Some(crate::copy::copy_statement(&query.sql).map_err(|why| {
            input.at_name(
                format!("query `{}` cannot be `:copyfrom`: {why}", query.name),
                crate::copy::SHAPE.into(),
            )
        })?),
        _ => None,
    };
    let (copy_sql, copy_upsert) = match copy {
        Some(plan) => (Some(plan.copy_sql), plan.upsert),
        None => (None, None),
    };
    let (line, _) = source.line_col(query.name_span.start);
    let fn_name = crate::naming::snake(&query.name);
    Ok((
        Query {
            // A dynamic query has no zero-copy or streaming companions (docs/dynamic.md).
            companion_fns: if query.dynamic.is_some() {
                Vec::new()
            } else {
                crate::companions::names(&fn_name, query, &columns)
            },
            copy_sql,
            copy_upsert,
            bulk: None,
            fn_name,
            row_name: format!("{}Row", crate::naming::camel(&query.name)),
            kind: query.kind,
            read_only: crate::route::read_only(&query.sql, &query.docs),
            dynamic: resolve_keys(input, resolver)?,
            docs: query.docs.clone(),
            sql_written: source.text[query.sql_span.clone()].to_string(),
            sql: query.sql.clone(),
            line,
            params,
            columns,
            row_model,
            embeds,
            json_structs,
        },
        warnings,
    ))
}

/// The dynamic part of the model, with each sort's key types mapped to Rust.
fn resolve_keys(
    input: &QueryInput<'_>,
    resolver: &mut Resolver<'_>,
) -> Result<Option<crate::dynamic::Dynamic>, Diagnostic> {
    let Some(mut dynamic) = input.query.dynamic.clone() else {
        return Ok(None);
    };
    for (sort, types) in dynamic.sorts.iter_mut().zip(&input.key_types) {
        sort.key_types = types
            .iter()
            .map(|ty| resolver.resolve(ty))
            .collect::<Result<_, _>>()
            .map_err(|e| input.unsupported(format!("the keys of sort `{}`", sort.name), e))?;
    }
    Ok(Some(dynamic))
}

fn resolve_params(input: &QueryInput<'_>, resolver: &mut Resolver<'_>) -> Result<Vec<Param>, Diagnostic> {
    let mut params = Vec::new();
    for (def, ty) in input.query.params.iter().zip(input.statement.params()) {
        let rust = match resolver.param_override(&input.query.name, &def.name) {
            Some(rust) => RustType::by_ref(ty, rust),
            None => resolver
                .resolve(ty)
                .map_err(|e| input.unsupported(format!("parameter `{}`", def.name), e))?,
        };
        let name = crate::naming::snake(&def.name);
        if !crate::naming::is_rust_name(&name) {
            return Err(Diagnostic::at(
                input.source,
                def.span.clone(),
                format!("parameter name `{name}` cannot be a Rust argument name"),
            )
            .with_help("rename the parameter (`self`, `super`, `crate` and `_` are reserved in Rust)"));
        }
        if name == "client" {
            return Err(Diagnostic::at(
                input.source,
                def.span.clone(),
                "parameter name `client` clashes with the generated function's client argument",
            )
            .with_help("rename the parameter, e.g. `:client_id`"));
        }
        params.push(Param {
            name,
            ty: rust,
            nullable: def.nullable || written_to_nullable_column(input.catalog, def),
        });
    }
    Ok(params)
}

/// Whether a sqlc-style parameter is written into a table column without `NOT NULL`.
fn written_to_nullable_column(catalog: &Catalog, def: &crate::parse::ParamDef) -> bool {
    let Some((table, column)) = &def.column else {
        return false;
    };
    catalog
        .relation(table)
        .and_then(|r| r.columns.iter().find(|c| &c.name == column))
        .is_some_and(|c| !c.not_null)
}

#[cfg(test)]
mod tests {
    use super::may_introduce_nulls;

    #[test]
    fn outer_joins_and_grouping_sets_are_detected_as_keywords_only() {
        assert!(may_introduce_nulls("SELECT a FROM t LEFT JOIN u USING (id)"));
        assert!(may_introduce_nulls("SELECT a FROM t GROUP BY ROLLUP (a)"));
        assert!(!may_introduce_nulls("SELECT 'left join', \"full\" FROM t -- right"));
    }
}
