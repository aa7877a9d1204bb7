-- one row per customer and directly-follows pair they made: how often. Persona features, the per-persona flow
-- diagram and the transitions and touchpoints marts count customers per pair from here instead of grouping every
-- transition again.
with pairs as (
    select customer_no, from_touchpoint, to_touchpoint from int_transitions
)

select
    customer_no,
    from_touchpoint,
    to_touchpoint,
    count(*) as n_transitions,
from pairs
group by customer_no, from_touchpoint, to_touchpoint
