-- one row per persona and feature: the share of the persona's customers who have the trait and the share of
-- everyone else; a trait is any visit, pair or attribute, or a time of day with at least half the clicks
-- (days active and sessions are scales, not traits)
with members as (
    select customer_no, persona_id from customer_personas
),

traits as (
    select customer_no, block, feature
    from int_persona_features
    where block <> 'timing' or (feature in ('night', 'morning', 'afternoon', 'evening') and value >= 0.5)
),

sizes as (
    select persona_id, count(*) as customers from members group by persona_id
),

everyone as (
    select count(*) as customers from members
),

held as (
    select m.persona_id, t.block, t.feature, count(*) as customers
    from traits as t
    inner join members as m on m.customer_no = t.customer_no
    group by m.persona_id, t.block, t.feature
),

held_all as (
    select block, feature, sum(customers) as customers from held group by block, feature
),

final as (
    select
        h.persona_id,
        h.block,
        h.feature,
        h.customers / s.customers as share_in_persona,
        case
            when e.customers > s.customers then (a.customers - h.customers) / (e.customers - s.customers)
            else 0.0
        end as share_elsewhere,
    from held as h
    inner join sizes as s on s.persona_id = h.persona_id
    inner join held_all as a on a.block = h.block and a.feature = h.feature
    cross join everyone as e
)

select
    *,
    share_in_persona * (share_in_persona - share_elsewhere) as score,
from final
order by persona_id, score desc, block, feature
