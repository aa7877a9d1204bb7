-- materialized: view
-- one row per distinct touchpoint sequence (variant), most frequent first, with cumulative coverage (the ranks and
-- counts: int_variants); the path as a list of touchpoint names (`path`), as text (`path_text`, "a > b > c") and
-- in this run's touchpoint numbers (`path_nos`, the key customers joins on). is_shown marks the top variants a
-- report lists: until variant_coverage of customers, at most max_variants. A view: the names cost less to put
-- in where the paths are read than to write (int_variants)
with variants as (
    select * from int_variants
),

names as (
    -- every touchpoint's name at its number's position
    select list(touchpoint order by touchpoint_no) as names from int_touchpoint_stages
),

final as (
    select
        v.variant_rank,
        list_select(n.names, v.path_nos) as path,
        v.path_nos,
        array_to_string(list_select(n.names, v.path_nos), ' > ') as path_text,
        v.n_steps,
        v.customers,
        v.share,
        v.cumulative_share,
        v.is_shown,
    from variants as v
    cross join names as n
)

-- row order: variant_rank
select * from final
