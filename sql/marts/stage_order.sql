-- one row per way of moving through the stages: in order, skipping ahead, or going back (each customer once)
with customers as (
    select * from int_customer_stage_order
),

first_stage as (
    select min(stage_order) as stage_order from config_stages
),

classified as (
    select
        customer_no,
        case
            when n_backsteps > 0 then 'goes back'
            when n_skips_ahead > 0 or entry_stage_order > (select stage_order from first_stage) then 'skips ahead'
            else 'follows the stage order'
        end as pattern,
    from customers
),

patterns as (
    select * from (values (1, 'follows the stage order'), (2, 'skips ahead'), (3, 'goes back')) as p(pattern_order, pattern)
),

final as (
    select
        p.pattern,
        p.pattern_order,
        count(c.customer_no) as customers,
        count(c.customer_no) / greatest((select count(*) from classified), 1) as share,
    from patterns as p
    left join classified as c on c.pattern = p.pattern
    group by p.pattern, p.pattern_order
)

select * from final order by pattern_order
