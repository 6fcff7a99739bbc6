//! Per-community aggregation over the period's event rows (§2.2), with polars
//! so that provincial volumes (millions of complaints and survey tallies) are
//! summed in columnar batches rather than row by row.

use polars::prelude::*;

/// Sums per community; indices are positions in the engine's community list.
#[derive(Debug, Clone, Default)]
pub struct CommunitySums {
    pub responses: i64,
    /// Σ (overall − 1) · 25 over responses: the mapped 0–100 values, summed exactly.
    pub mapped_sum: i64,
    pub complaints: i64,
    pub substantiated: i64,
    pub timely: i64,
    pub fee_rows: i64,
    pub billed_cents: i64,
    pub collected_cents: i64,
    pub inspections: i64,
    pub inspection_score_sum: f64,
}

/// Column vectors of the event rows, already mapped to community indices.
#[derive(Debug, Default)]
pub struct EventColumns {
    pub survey_community: Vec<u32>,
    pub survey_responses: Vec<i64>,
    pub survey_mapped: Vec<i64>,
    pub complaint_community: Vec<u32>,
    pub complaint_substantiated: Vec<i64>,
    pub complaint_timely: Vec<i64>,
    pub fee_community: Vec<u32>,
    pub fee_billed: Vec<i64>,
    pub fee_collected: Vec<i64>,
    pub inspection_community: Vec<u32>,
    pub inspection_score: Vec<f64>,
}

/// Groups each event table by community and returns one `CommunitySums` per community index.
pub fn sum_by_community(
    events: EventColumns,
    communities: usize,
) -> PolarsResult<Vec<CommunitySums>> {
    let mut sums = vec![CommunitySums::default(); communities];

    let surveys = df!("c" => events.survey_community, "n" => events.survey_responses, "m" => events.survey_mapped)?;
    let g = grouped(
        surveys,
        [
            col("n").sum().cast(DataType::Int64).alias("n"),
            col("m").sum().cast(DataType::Int64).alias("m"),
        ],
    )?;
    for (c, (n, m)) in keys(&g)?.zip(
        g.column("n")?
            .i64()?
            .iter()
            .zip(g.column("m")?.i64()?.iter()),
    ) {
        if let Some(s) = c.and_then(|c| sums.get_mut(c)) {
            s.responses = n.unwrap_or(0);
            s.mapped_sum = m.unwrap_or(0);
        }
    }

    let complaints = df!(
        "c" => events.complaint_community,
        "s" => events.complaint_substantiated,
        "t" => events.complaint_timely
    )?;
    let g = grouped(
        complaints,
        [
            len().cast(DataType::Int64).alias("k"),
            col("s").sum().cast(DataType::Int64).alias("s"),
            col("t").sum().cast(DataType::Int64).alias("t"),
        ],
    )?;
    let (k, s_, t) = (
        g.column("k")?.i64()?,
        g.column("s")?.i64()?,
        g.column("t")?.i64()?,
    );
    for (c, ((k, s), t)) in keys(&g)?.zip(k.iter().zip(s_.iter()).zip(t.iter())) {
        if let Some(x) = c.and_then(|c| sums.get_mut(c)) {
            x.complaints = k.unwrap_or(0);
            x.substantiated = s.unwrap_or(0);
            x.timely = t.unwrap_or(0);
        }
    }

    let fees =
        df!("c" => events.fee_community, "b" => events.fee_billed, "k" => events.fee_collected)?;
    let g = grouped(
        fees,
        [
            len().cast(DataType::Int64).alias("rows"),
            col("b").sum().cast(DataType::Int64).alias("b"),
            col("k").sum().cast(DataType::Int64).alias("k"),
        ],
    )?;
    let (rows, b, k) = (
        g.column("rows")?.i64()?,
        g.column("b")?.i64()?,
        g.column("k")?.i64()?,
    );
    for (c, ((rows, b), k)) in keys(&g)?.zip(rows.iter().zip(b.iter()).zip(k.iter())) {
        if let Some(x) = c.and_then(|c| sums.get_mut(c)) {
            x.fee_rows = rows.unwrap_or(0);
            x.billed_cents = b.unwrap_or(0);
            x.collected_cents = k.unwrap_or(0);
        }
    }

    let inspections = df!("c" => events.inspection_community, "score" => events.inspection_score)?;
    let g = grouped(
        inspections,
        [
            len().cast(DataType::Int64).alias("k"),
            col("score").sum().cast(DataType::Float64).alias("score"),
        ],
    )?;
    let (k, score) = (g.column("k")?.i64()?, g.column("score")?.f64()?);
    for (c, (k, score)) in keys(&g)?.zip(k.iter().zip(score.iter())) {
        if let Some(x) = c.and_then(|c| sums.get_mut(c)) {
            x.inspections = k.unwrap_or(0);
            x.inspection_score_sum = score.unwrap_or(0.0);
        }
    }
    Ok(sums)
}

fn grouped<const N: usize>(df: DataFrame, aggs: [Expr; N]) -> PolarsResult<DataFrame> {
    df.lazy().group_by([col("c")]).agg(aggs).collect()
}

/// The community index of each group, as a usize.
fn keys(g: &DataFrame) -> PolarsResult<impl Iterator<Item = Option<usize>> + '_> {
    Ok(g.column("c")?
        .u32()?
        .iter()
        .map(|c| c.and_then(|c| usize::try_from(c).ok())))
}
