-- one row per persona view and listed path (the view's most frequent, as many as the whole run lists) plus
-- one "other" row: what share of the view's customers each covers
with views as (
    select * from rpt_persona_members
),

shown as (
    select count(*) filter (where is_shown) as n from variants
),

counted as (
    select v.persona, c.variant_rank, count(*) as customers
    from customers as c
    inner join views as v on v.customer_no = c.customer_no
    group by v.persona, c.variant_rank
),

ranked as (
    select
        c.*,
        c.customers / sum(c.customers) over (partition by c.persona) as share,
        row_number() over (partition by c.persona order by c.customers desc, c.variant_rank) as path_rank,
    from counted as c
),

listed as (
    select r.persona, r.path_rank, '#' || r.path_rank as rank_label, array_to_string(v.path, ' → ') as path_text,
        r.customers, r.share, false as is_other
    from ranked as r
    inner join variants as v on v.variant_rank = r.variant_rank
    where r.path_rank <= greatest((select n from shown), 1)
),

other as (
    select
        persona,
        greatest((select n from shown), 1) + 1 as path_rank,
        'other' as rank_label,
        printf('other: %d paths', count(*)) as path_text,
        sum(customers) as customers,
        sum(share) as share,
        true as is_other,
    from ranked
    where path_rank > greatest((select n from shown), 1)
    group by persona
)

select * from listed
union all
select * from other
order by persona, path_rank
