-- quantiles_from_counts(histogram): the exact median and 90th percentile of each key's values, from the name of a
-- relation (a CTE of the calling model) with columns `key` (any type: a struct for several), `value` (a number,
-- not null) and `n` (how many times the value occurs). Returns key, n_values, median and p90: the values
-- median() and quantile_cont(…, 0.9) give (quantile q interpolates between the values at ranks floor and ceil of
-- q * (n - 1)), but computed from counts with windows and plain aggregates, which spill to disk. DuckDB 2.0 keeps
-- every value of a median()/quantile_cont() group in memory and does not spill it: at 100M events they ran out of
-- memory or filled the disk. The running count is summed as a double: `sum()` of integers gives a 128-bit
-- HUGEINT, and the window summing those took twice as long (0.8 vs 0.35 s per 1.1M counts); every partial sum is a
-- whole number far below 2^53, which a double holds exactly (the ranks it is compared with stay exact decimals).
create or replace macro quantiles_from_counts(histogram) as table
with ranked as (
    select
        key,
        value,
        sum(n::double) over (partition by key order by value rows between unbounded preceding and current row)
            as n_up_to,
        sum(n) over (partition by key) - 1 as last_rank,
    from query_table(histogram)
),

bounds as (
    select
        key,
        any_value(last_rank) + 1 as n_values,
        min(value) filter (where n_up_to > floor(0.5 * last_rank)) as median_low,
        min(value) filter (where n_up_to > ceil(0.5 * last_rank)) as median_high,
        any_value(0.5 * last_rank - floor(0.5 * last_rank)) as median_fraction,
        min(value) filter (where n_up_to > floor(0.9 * last_rank)) as p90_low,
        min(value) filter (where n_up_to > ceil(0.9 * last_rank)) as p90_high,
        any_value(0.9 * last_rank - floor(0.9 * last_rank)) as p90_fraction,
    from ranked
    group by key
)

select
    key,
    n_values::bigint as n_values,
    median_low + median_fraction * (median_high - median_low) as median,
    p90_low + p90_fraction * (p90_high - p90_low) as p90,
from bounds
