-- one row per customer and clickstream attribute (config `attributes`, e.g. device): the customer's most
-- frequent value of it (ties: the first value in text order). Read by int_customer_habits for personas.
with attribute_values as (
    select customer_id, entry.key as attribute, entry.value as attribute_value, count(*) as n
    from (
        select customer_id, unnest(map_entries(attributes)) as entry
        from stg_clickstream
        where not is_duplicate and attributes is not null
    )
    where entry.value is not null
    group by customer_id, entry.key, entry.value
),

usual_values as (
    select customer_id, attribute, attribute_value
    from attribute_values
    qualify row_number() over (partition by customer_id, attribute order by n desc, attribute_value) = 1
)

-- the clicks' attributes are read from stg_clickstream, by customer id: numbered once grouped
select k.customer_no, u.attribute, u.attribute_value
from usual_values as u
inner join int_customer_keys as k on k.customer_id = u.customer_id
