-- one row per persona and one of its five most frequent paths, with the share of the persona it covers
with members as (
    select customer_no, persona_id from customer_personas
),

customers as (
    select customer_no, variant_rank from customers
),

variants as (
    select variant_rank, path from variants
),

counted as (
    select m.persona_id, c.variant_rank, count(*) as customers
    from members as m
    inner join customers as c on c.customer_no = m.customer_no
    group by m.persona_id, c.variant_rank
),

ranked as (
    select
        persona_id,
        variant_rank,
        customers,
        customers / sum(customers) over (partition by persona_id) as share,
        row_number() over (partition by persona_id order by customers desc, variant_rank) as path_rank,
    from counted
),

final as (
    select r.persona_id, r.path_rank, v.path, r.customers, r.share
    from ranked as r
    inner join variants as v on v.variant_rank = r.variant_rank
    where r.path_rank <= 5
)

select * from final order by persona_id, path_rank
