//! Response and request shapes of saved views (spec §5). Pure mapping: no storage. The
//! body type is documentation only: bodies parse into `logs_views::ViewInput`, which
//! names the field that fails.

use logs_views::service::ViewWithAuthor;
use logs_views::{Column, Page as ViewsPage};
use orgs::{Page, User};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::dto::{UserBasic, iso};

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsViewDto {
    pub id: Uuid,
    /// 8 random characters of `[A-Za-z0-9]`, unique in the project; the key in URLs.
    pub short_id: String,
    pub name: String,
    /// Viewer filters as saved (`severityLevels`, `serviceNames`, `searchTerm`,
    /// `filterGroup`, `dateRange`, ...).
    #[schema(value_type = Object)]
    pub filters: Map<String, Value>,
    /// Ordered columns; null = the client's default set.
    pub columns: Option<Vec<LogsViewColumn>>,
    pub pinned: bool,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserBasic>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// One column of the logs table. Optional keys are left out when not set.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsViewColumn {
    /// The client's stable identity for the column; never interpreted.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: LogsViewColumnType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `custom` columns only, and required there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 2000)]
    pub width: Option<u32>,
}

/// The names `type` takes (documentation; the domain's `ColumnType` has no utoipa).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogsViewColumnType {
    Timestamp,
    Level,
    Source,
    TraceId,
    SpanId,
    Person,
    Session,
    Pattern,
    Message,
    Custom,
}

/// The writable fields of a view. POST: `name` required; `filters` `{}`, `pinned` false
/// and `columns` null by default. PUT: `name` required, absent `filters` back to `{}`,
/// absent `pinned`/`columns` kept. PATCH: absent fields kept. `columns: null` clears the
/// columns. Read-only fields (`id`, `short_id`, `created_*`, `updated_at`) are ignored;
/// other unknown fields are a 400.
#[derive(Debug, ToSchema)]
pub struct LogsViewBody {
    /// Not blank, at most 400 characters (whitespace trimmed).
    #[schema(max_length = 400)]
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub filters: Option<Value>,
    pub pinned: Option<bool>,
    pub columns: Option<Vec<LogsViewColumnInput>>,
}

/// A column as sent; unknown keys are dropped.
#[derive(Debug, ToSchema)]
pub struct LogsViewColumnInput {
    pub id: String,
    #[serde(rename = "type")]
    #[schema(value_type = LogsViewColumnType)]
    pub kind: String,
    pub name: Option<String>,
    /// Required for `custom`, refused for every other type.
    pub expression: Option<String>,
    #[schema(minimum = 1, maximum = 2000)]
    pub width: Option<i64>,
}

/// `?limit=&offset=` (non-integer or non-positive values fall back to 100 and 0).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewsPageParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn column(c: Column) -> LogsViewColumn {
    use logs_views::ColumnType as T;
    let kind = match c.kind {
        T::Timestamp => LogsViewColumnType::Timestamp,
        T::Level => LogsViewColumnType::Level,
        T::Source => LogsViewColumnType::Source,
        T::TraceId => LogsViewColumnType::TraceId,
        T::SpanId => LogsViewColumnType::SpanId,
        T::Person => LogsViewColumnType::Person,
        T::Session => LogsViewColumnType::Session,
        T::Pattern => LogsViewColumnType::Pattern,
        T::Message => LogsViewColumnType::Message,
        T::Custom => LogsViewColumnType::Custom,
    };
    LogsViewColumn { id: c.id, kind, name: c.name, expression: c.expression, width: c.width }
}

/// One view as the API shows it.
pub fn render(v: ViewWithAuthor<User>) -> LogsViewDto {
    let view = v.view;
    LogsViewDto {
        id: view.id,
        short_id: view.short_id,
        name: view.name,
        filters: view.filters,
        columns: view.columns.map(|cols| cols.into_iter().map(column).collect()),
        pinned: view.pinned,
        created_at: view.created_at,
        created_by: v.created_by.as_ref().map(UserBasic::from),
        updated_at: view.updated_at,
    }
}

/// A LimitOffset page of views.
pub fn render_page(found: ViewsPage<ViewWithAuthor<User>>) -> Page<LogsViewDto> {
    let count = i64::try_from(found.count).unwrap_or(i64::MAX);
    Page { items: found.results.into_iter().map(render).collect(), count }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented names are the domain's: a type added on one side fails here.
    #[test]
    fn column_type_names_match_the_domain() {
        for t in logs_views::ColumnType::ALL {
            let c = Column { id: "x".into(), kind: t, name: None, expression: None, width: None };
            let shown = serde_json::to_value(column(c).kind).unwrap_or_default();
            assert_eq!(shown, t.as_str());
        }
    }
}
