-- one row per customer and directly-follows pair they made (by touchpoint number, as in
-- int_customer_touchpoints): how often. Persona features, the per-persona flow diagram and the transitions and
-- touchpoints marts count customers per pair from here instead of grouping every transition again.
with pairs as (
    select customer_no, from_touchpoint_no, to_touchpoint_no from int_transitions
)

select
    customer_no,
    from_touchpoint_no,
    to_touchpoint_no,
    count(*) as n_transitions,
from pairs
group by customer_no, from_touchpoint_no, to_touchpoint_no
