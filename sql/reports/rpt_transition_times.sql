-- one row per one of the fifteen most frequent directly-follows pairs: median and p90 time between them
select
    from_touchpoint || ' → ' || to_touchpoint as pair,
    n_transitions,
    customers,
    median_hours,
    p90_hours,
from transitions
order by n_transitions desc, pair
limit 15
