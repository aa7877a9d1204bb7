-- one row per pain point (score above zero, worst ten) and component: its weighted share of the score
with pain as (
    select * from pain_points where score > 0 order by pain_rank limit 10
),

settings as (
    select * from config_settings
),

weights as (
    select
        case when has_tickets then weight_voice else 0 end + weight_drop_off + weight_loops + weight_waiting as total,
        has_tickets, weight_voice, weight_drop_off, weight_loops, weight_waiting,
    from settings
)

select p.pain_rank, p.touchpoint, p.stage, p.score, c.component, c.component_order, c.points
from pain as p
cross join weights as w
cross join lateral (
    select * from (values
        ('voice of customers', 1, case when w.has_tickets then 100 * w.weight_voice * coalesce(p.voice_component, 0) / w.total end),
        ('drop-off', 2, 100 * w.weight_drop_off * coalesce(p.drop_off_rate, 0) / w.total),
        ('loops', 3, 100 * w.weight_loops * coalesce(p.loop_rate, 0) / w.total),
        ('waiting', 4, 100 * w.weight_waiting * coalesce(p.waiting_component, 0) / w.total)
    ) as v(component, component_order, points)
) as c
where c.points is not null
order by p.pain_rank, c.component_order
