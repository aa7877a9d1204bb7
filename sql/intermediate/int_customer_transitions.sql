-- one row per customer and directly-follows pair they made (by touchpoint number, as in
-- int_customer_touchpoints): how often. Persona features, the per-persona flow diagram and the transitions and
-- touchpoints marts count customers per pair from here instead of grouping every transition again.
-- The pairs are read from int_events (each event with the touchpoint after it), not from the int_transitions
-- view: only numbers are needed here, and the view's joins that name both ends run even when no name is read
-- (0.9-1.0 -> 0.55-0.7 s at 11M events, the same table)
with pairs as (
    select customer_no, touchpoint_no as from_touchpoint_no, next_touchpoint_no as to_touchpoint_no
    from int_events
    where next_touchpoint_no is not null  -- a case's last event follows nothing
)

select
    customer_no,
    from_touchpoint_no,
    to_touchpoint_no,
    count(*) as n_transitions,
from pairs
group by customer_no, from_touchpoint_no, to_touchpoint_no
