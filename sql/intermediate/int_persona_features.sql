-- materialized: view
-- one row per customer per feature (long form) describing how the customer travels, in four blocks:
-- touchpoint (visits), transition (directly-follows pairs), timing (local time of day, span, sessions),
-- attribute (the customer's usual value of each clickstream attribute, e.g. device=mobile).
-- A view over tables that hold each block already (25 rows per customer at 10M events: copying them into one
-- more table cost more than reading them twice)
with touchpoints as (
    select customer_no, 'touchpoint' as block, touchpoint as feature, n_events * 1.0 as value
    from int_customer_touchpoints
),

transitions as (
    select customer_no, 'transition' as block, from_touchpoint || ' > ' || to_touchpoint as feature, n_transitions * 1.0 as value
    from int_customer_transitions
),

habits as (
    select customer_no, block, feature, value from int_customer_habits
),

final as (
    select * from touchpoints
    union all
    select * from transitions
    union all
    select * from habits
)

select * from final
