-- one row per clickstream touchpoint: the pain point components, the composite score and an evidence sentence
-- components (each 0..1): voice = customers with a negative ticket about it / customers who reached it,
-- full at voice_full_at; drop_off = share of those whose clickstream journey ends there; loops = share who
-- came back to it; waiting = log10(median wait from it to the next step in the same stage / the median of
-- such waits over the whole stage) / 3. Drop-off and waiting count only before the goal stage (the stage of
-- the assumed journey's last required step): ending or pausing at or after it is completion, not pain.
-- score = 100 * weighted mean of the components (voice left out when there is no ticket source)
with settings as (
    select * from config_settings
),

stages as (
    select touchpoint_no, touchpoint, stage, stage_order from int_touchpoint_stages
),

clicked as (
    -- touchpoints someone clicked (int_customer_touchpoints counts each customer's clicks per touchpoint)
    select s.touchpoint
    from stages as s
    semi join (select distinct touchpoint_no from int_customer_touchpoints where n_clicks > 0) as c
        on c.touchpoint_no = s.touchpoint_no
),

journey_touchpoints as (
    select t.*
    from touchpoints as t
    where not t.is_unmapped
        and t.touchpoint in (select touchpoint from clicked)
),

clicks as (
    -- every click once, with its wait to the next click when that is in the same stage: int_events keeps
    -- each event's last click before it, so a click's wait is read on the click after it, and a customer's last
    -- click — the one no click follows — is found by a grouping instead of a window over every click (2.0 ->
    -- 0.9 s at 11M events, the same table; int_events took 0.5 s longer for the two columns). By touchpoint
    -- number, named once grouped (click_counts)
    select
        e.previous_click_touchpoint_no as touchpoint_no,
        case when p.stage_order = e.stage_order then e.seconds_since_previous_click end as wait_seconds,
        false as is_last,
    from int_events as e
    inner join stages as p on p.touchpoint_no = e.previous_click_touchpoint_no
    where e.source_rank = 0
    union all
    select arg_max(touchpoint_no, event_seq) as touchpoint_no, null as wait_seconds, true as is_last,
    from int_events
    where source_rank = 0
    group by customer_no
),

click_counts as (
    -- one aggregate over the clicks: clicks by touchpoint and wait to the next click in the same stage, and how
    -- many of them were a customer's last click; grouped by touchpoint number, the grouped rows named (grouping
    -- by the touchpoint and stage names took ~0.2 s more at 11M events)
    select
        s.touchpoint,
        s.stage,
        s.stage_order < (select goal_stage_order from settings) as is_before_goal,
        c.wait_seconds,
        c.n,
        c.n_last,
    from (
        select touchpoint_no, wait_seconds, count(*) as n, count(*) filter (where is_last) as n_last,
        from clicks
        group by touchpoint_no, wait_seconds
    ) as c
    inner join stages as s on s.touchpoint_no = c.touchpoint_no
),

endings as (
    select touchpoint, sum(n_last)::bigint as customers_ending from click_counts group by touchpoint
),

wait_histograms as (
    select {scope: 'touchpoint', name: touchpoint} as key, wait_seconds as value, n
    from click_counts
    where wait_seconds is not null and is_before_goal
    union all
    select {scope: 'stage', name: stage} as key, wait_seconds as value, sum(n) as n
    from click_counts
    where wait_seconds is not null
    group by stage, wait_seconds
),

wait_medians as (
    -- exact medians from the counts (sql/macros/quantiles_from_counts.sql; median() keeps every value in memory,
    -- which does not spill: 100M events ran out of memory here)
    select key.scope as scope, key.name as scope_key, median / 3600.0 as median_hours
    from quantiles_from_counts('wait_histograms')
),

waits as (
    select scope_key as touchpoint, median_hours as median_wait_hours from wait_medians where scope = 'touchpoint'
),

usual_waits as (
    select scope_key as stage, median_hours as usual_wait_hours from wait_medians where scope = 'stage'
),

voices as (
    select
        about_touchpoint as touchpoint,
        count(distinct customer_id) as ticket_customers,
        count(distinct customer_id) filter (where is_negative) as negative_customers,
    from int_ticket_sentiment
    where about_touchpoint is not null
    group by about_touchpoint
),

components as (
    select
        t.touchpoint,
        t.stage,
        t.stage_order,
        t.customers,
        t.tickets,
        t.negative_tickets,
        t.sentiment_mean,
        coalesce(v.ticket_customers, 0) / t.customers as ticket_rate,
        case when t.tickets > 0 then t.negative_tickets / t.tickets end as negative_share,
        coalesce(v.negative_customers, 0) / t.customers as negative_ticket_rate,
        case
            when t.stage_order < s.goal_stage_order then coalesce(e.customers_ending, 0) / t.customers
        end as drop_off_rate,
        t.loop_rate,
        w.median_wait_hours,
        u.usual_wait_hours,
        w.median_wait_hours / nullif(u.usual_wait_hours, 0) as wait_ratio,
        s.has_tickets,
        s.voice_full_at,
        s.weight_voice,
        s.weight_drop_off,
        s.weight_loops,
        s.weight_waiting,
    from journey_touchpoints as t
    cross join settings as s
    left join voices as v on v.touchpoint = t.touchpoint
    left join endings as e on e.touchpoint = t.touchpoint
    left join waits as w on w.touchpoint = t.touchpoint
    left join usual_waits as u on u.stage = t.stage
),

scored as (
    select
        *,
        least(1.0, negative_ticket_rate / voice_full_at) as voice_component,
        greatest(0.0, least(1.0, log10(greatest(coalesce(wait_ratio, 1.0), 1.0)) / 3)) as waiting_component,
    from components
),

final as (
    select
        row_number() over (order by score desc, touchpoint) as pain_rank,
        *,
    from (
        select
            touchpoint,
            stage,
            stage_order,
            100 * (
                case when has_tickets then weight_voice * voice_component else 0 end
                + weight_drop_off * coalesce(drop_off_rate, 0)
                + weight_loops * coalesce(loop_rate, 0)
                + weight_waiting * waiting_component
            ) / nullif(
                case when has_tickets then weight_voice else 0 end + weight_drop_off + weight_loops + weight_waiting, 0
            ) as score,
            customers,
            tickets,
            negative_tickets,
            sentiment_mean,
            ticket_rate,
            negative_share,
            negative_ticket_rate,
            drop_off_rate,
            loop_rate,
            median_wait_hours,
            usual_wait_hours,
            wait_ratio,
            case when has_tickets then voice_component end as voice_component,
            waiting_component,
            concat_ws('; ',
                case when ticket_rate >= 0.005 then printf('%d%% of customers who reached %s opened a ticket about it',
                    cast(round(100 * ticket_rate) as integer), touchpoint) end,
                case when ticket_rate >= 0.005 then printf('%d%% of those tickets are negative',
                    cast(round(100 * negative_share) as integer)) end,
                case when drop_off_rate >= 0.005 then printf('%d%% never got further',
                    cast(round(100 * drop_off_rate) as integer)) end,
                case when loop_rate >= 0.005 then printf('%d%% came back to it more than once',
                    cast(round(100 * loop_rate) as integer)) end,
                case when wait_ratio >= 10 then printf('they waited a median %s for their next step in %s, %d times the usual %s',
                    case
                        when median_wait_hours < 1.5 / 60 then printf('%d s', cast(round(median_wait_hours * 3600) as integer))
                        when median_wait_hours < 1.5 then printf('%d min', cast(round(median_wait_hours * 60) as integer))
                        when median_wait_hours < 48 then printf('%.1f h', median_wait_hours)
                        else printf('%.1f days', median_wait_hours / 24)
                    end,
                    stage,
                    cast(round(wait_ratio) as integer),
                    case
                        when usual_wait_hours < 1.5 / 60 then printf('%d s', cast(round(usual_wait_hours * 3600) as integer))
                        when usual_wait_hours < 1.5 then printf('%d min', cast(round(usual_wait_hours * 60) as integer))
                        when usual_wait_hours < 48 then printf('%.1f h', usual_wait_hours)
                        else printf('%.1f days', usual_wait_hours / 24)
                    end) end
            ) as evidence,
        from scored
    )
)

select * from final order by pain_rank
