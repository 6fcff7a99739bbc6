//! A quarter's ranking as officials browse it: the result table of a run
//! (cached; a run's rows never change), filtered by district, grade, list
//! and name, sorted, and cut into pages. The API's rankings and the
//! rankings page (with its downloads) select rows here, the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::ListPlacement;
use crate::scoring::ResultRow;

/// A run's result rows, with the positions of each district's rows (the
/// filter officials use most) and of each company, built once when the
/// table is cached.
pub struct Table {
    pub rows: Vec<ResultRow>,
    by_district: HashMap<String, Vec<usize>>,
    by_company: HashMap<String, usize>,
}

impl Table {
    fn new(rows: Vec<ResultRow>) -> Self {
        let mut by_district: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_company = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            by_district.entry(r.district.clone()).or_default().push(i);
            by_company.insert(r.company_code.clone(), i);
        }
        Self {
            rows,
            by_district,
            by_company,
        }
    }

    /// The rows of one district (in rank order), or all.
    fn district(&self, district: Option<&str>) -> Vec<&ResultRow> {
        match district {
            None => self.rows.iter().collect(),
            Some(d) => self
                .by_district
                .get(d)
                .map(|ix| ix.iter().filter_map(|&i| self.rows.get(i)).collect())
                .unwrap_or_default(),
        }
    }

    /// One company's row, if it was rated in this run.
    pub fn company(&self, code: &str) -> Option<&ResultRow> {
        self.by_company.get(code).and_then(|&i| self.rows.get(i))
    }

    /// The districts of the table, sorted.
    pub fn districts(&self) -> Vec<&str> {
        let mut d: Vec<&str> = self.by_district.keys().map(String::as_str).collect();
        d.sort_unstable();
        d
    }
}

/// Result tables of runs, by run id. A run's rows never change once stored,
/// so a cached table is always right.
#[derive(Default)]
pub struct RunCache {
    tables: Mutex<Vec<(i64, Arc<Table>)>>,
}

/// Tables kept: one per quarter a bureau typically browses, plus drafts.
pub const CACHED_RUNS: usize = 16;

impl RunCache {
    /// The table of run `run_id`, if it is kept.
    pub fn get(&self, run_id: i64) -> Option<Arc<Table>> {
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables
            .iter()
            .find(|(id, _)| *id == run_id)
            .map(|(_, t)| t.clone())
    }

    /// Keeps the table of run `run_id` (a run's rows never change).
    pub fn put(&self, run_id: i64, rows: Vec<ResultRow>) -> Arc<Table> {
        let table = Arc::new(Table::new(rows));
        let mut tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables.retain(|(id, _)| *id != run_id);
        if tables.len() >= CACHED_RUNS {
            tables.remove(0);
        }
        tables.push((run_id, table.clone()));
        table
    }
}

/// How a ranking is ordered (in the OpenAPI document: the words a query
/// may use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(as = RankingSort, rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Rank,
    #[schema(rename = "-rank")]
    RankDescending,
    Name,
    District,
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rank" => Ok(Sort::Rank),
            "-rank" => Ok(Sort::RankDescending),
            "name" => Ok(Sort::Name),
            "district" => Ok(Sort::District),
            other => Err(format!(
                "sort '{other}' is not one of rank, -rank, name, district"
            )),
        }
    }
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Rank => "rank",
            Sort::RankDescending => "-rank",
            Sort::Name => "name",
            Sort::District => "district",
        }
    }
}

/// Which rows, in which order.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub district: Option<String>,
    pub grade: Option<String>,
    pub list: Option<ListPlacement>,
    /// Part of a company's name or code.
    pub text: Option<String>,
    pub sort: Sort,
}

/// The rows `filter` selects, in its order.
pub fn select<'t>(table: &'t Table, filter: &Filter) -> Vec<&'t ResultRow> {
    let mut rows = table.district(filter.district.as_deref());
    rows.retain(|r| {
        filter.grade.as_deref().is_none_or(|g| r.grade == g)
            && filter.list.is_none_or(|l| r.list == l)
            && filter
                .text
                .as_deref()
                .is_none_or(|t| r.company_name.contains(t) || r.company_code.contains(t))
    });
    match filter.sort {
        Sort::Rank => {}
        Sort::RankDescending => rows.reverse(),
        Sort::Name => rows.sort_by(|a, b| {
            a.company_name
                .cmp(&b.company_name)
                .then(a.company_code.cmp(&b.company_code))
        }),
        Sort::District => rows.sort_by(|a, b| {
            a.district
                .cmp(&b.district)
                .then(a.district_rank.cmp(&b.district_rank))
        }),
    }
    rows
}

/// Page `page` (from 1) of `per_page` rows; a page past the end is empty,
/// and a huge page number never wraps around.
pub fn page_of<T: Copy>(rows: &[T], page: u32, per_page: u32) -> Vec<T> {
    rows.get(page_range(rows.len(), page, per_page))
        .map(<[T]>::to_vec)
        .unwrap_or_default()
}

fn page_range(len: usize, page: u32, per_page: u32) -> std::ops::Range<usize> {
    let skip = u64::from(page.max(1) - 1).saturating_mul(u64::from(per_page));
    let start = usize::try_from(skip).unwrap_or(usize::MAX).min(len);
    let end = start
        .saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX))
        .min(len);
    start..end
}

/// How many rows `filter` selects, and page `page` of them. The whole
/// ranking in rank order (the public's usual request) is cut straight from
/// the table.
pub fn select_page<'t>(
    table: &'t Table,
    filter: &Filter,
    page: u32,
    per_page: u32,
) -> (usize, Vec<&'t ResultRow>) {
    let everything = filter.district.is_none()
        && filter.grade.is_none()
        && filter.list.is_none()
        && filter.text.is_none();
    if everything && filter.sort == Sort::Rank {
        let rows = &table.rows;
        let range = page_range(rows.len(), page, per_page);
        return (
            rows.len(),
            rows.get(range).unwrap_or_default().iter().collect(),
        );
    }
    let rows = select(table, filter);
    (rows.len(), page_of(&rows, page, per_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_never_wrap_and_sorts_read_back() {
        let rows: Vec<u32> = (1..=7).collect();
        assert_eq!(page_of(&rows, 2, 3), vec![4, 5, 6]);
        assert_eq!(page_of(&rows, 3, 3), vec![7]);
        assert!(page_of(&rows, u32::MAX, 500).is_empty());
        for s in [Sort::Rank, Sort::RankDescending, Sort::Name, Sort::District] {
            assert_eq!(s.as_str().parse::<Sort>(), Ok(s));
        }
        assert!("size".parse::<Sort>().is_err());
    }

    #[test]
    fn a_page_of_the_whole_ranking_is_the_page_of_the_selection() {
        use crate::domain::Decision;
        use crate::scoring::Fixed2;
        let row = |code: &str, district: &str, rank: u32| ResultRow {
            period: "2026Q1".parse().unwrap(),
            company_code: code.into(),
            company_name: format!("{code} 物业"),
            district: district.into(),
            communities: 1,
            households: 100,
            satisfaction: None,
            complaint_rate: None,
            timely_resolution: None,
            fee_collection: None,
            inspection: None,
            base: Fixed2(0),
            bonus: Fixed2(0),
            penalty: Fixed2(0),
            total: Fixed2(0),
            grade: "A".into(),
            list: ListPlacement::None,
            rank,
            district_rank: rank,
            decision: Decision::None,
            credit_score: Fixed2(0),
            credit_level: "A".into(),
            subsidy: Fixed2(0),
        };
        let table = Table::new(vec![row("a", "x", 1), row("b", "y", 2), row("c", "x", 3)]);
        let codes = |rows: Vec<&ResultRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.company_code.clone()).collect()
        };
        for sort in [Sort::Rank, Sort::RankDescending, Sort::Name, Sort::District] {
            for district in [None, Some("x".to_string())] {
                let filter = Filter {
                    district,
                    sort,
                    ..Filter::default()
                };
                for page in [1, 2, 3, u32::MAX] {
                    let (matching, rows) = select_page(&table, &filter, page, 2);
                    let all = select(&table, &filter);
                    assert_eq!(matching, all.len());
                    assert_eq!(codes(rows), codes(page_of(&all, page, 2)));
                }
            }
        }
    }
}
