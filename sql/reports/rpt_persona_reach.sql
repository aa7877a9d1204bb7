-- one row per persona view ("All customers" and each persona) and mapped touchpoint: customers of the view who did
-- it (any source) and who clicked it. Each customer is in exactly one persona, so "All customers" is the sum of the
-- personas' rows, computed once here; the flow diagram and the experience map read their reach from here instead
-- of joining every customer's touchpoints to their persona again.
with members as (
    select customer_id, persona from customer_personas
),

done as (
    select customer_id, touchpoint, stage, stage_order, n_clicks from int_customer_touchpoints
    where stage_order < (select unmapped_stage_order from config_settings)
),

per_persona as (
    select
        m.persona,
        d.touchpoint,
        any_value(d.stage) as stage,
        any_value(d.stage_order) as stage_order,
        count(*) as customers,
        count(*) filter (where d.n_clicks > 0) as clicking_customers,
    from done as d
    inner join members as m on m.customer_id = d.customer_id
    group by m.persona, d.touchpoint
),

final as (
    select * from per_persona
    union all
    select
        'All customers' as persona,
        touchpoint,
        any_value(stage) as stage,
        any_value(stage_order) as stage_order,
        sum(customers)::bigint as customers,
        sum(clicking_customers)::bigint as clicking_customers,
    from per_persona
    group by touchpoint
)

select * from final
