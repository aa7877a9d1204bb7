"""The report's charts: Altair encodings of the `sql/reports/rpt_*` tables, nothing else.

Every function takes the rows its report table already shaped (one table per chart, see sql/reports/) and
returns an Altair chart; none groups, aggregates or reshapes. Charts that can be narrowed to one persona
carry a `persona` parameter and filter on it; the page's persona selector sets that signal on every chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

ALL = "All customers"
WIDTH = 860
WIDE = 900
SENTIMENT_SCALE = alt.Scale(scheme="redblue", domain=[-1, 1])
FONT = "system-ui, -apple-system, Segoe UI, sans-serif"


def persona_param() -> alt.Parameter:
    """The signal the page's persona selector sets."""
    return alt.param(name="persona", value=ALL)


def by_persona(chart: alt.Chart) -> alt.Chart:
    return chart.transform_filter("datum.persona == persona")


def _theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(strokeWidth=0)
        .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#eef1f4")
    )


def experience_map(
    stages: pd.DataFrame, touchpoints: pd.DataFrame, pains: pd.DataFrame, order: Sequence[str]
) -> alt.TopLevelMixin:
    """Stages left to right: the emotion curve with its 95% band, pain points on it, touchpoints below."""
    x = alt.X(
        "stage:N",
        sort=list(order),
        title=None,
        axis=alt.Axis(labelAngle=0, labelFontWeight="bold", orient="top"),
    )
    base = by_persona(alt.Chart(stages))
    tooltip = [
        alt.Tooltip("stage:N"),
        alt.Tooltip("sentiment_mean:Q", title="mean sentiment", format=".2f"),
        alt.Tooltip("sentiment_ci_low:Q", title="95% from", format=".2f"),
        alt.Tooltip("sentiment_ci_high:Q", title="95% to", format=".2f"),
        alt.Tooltip("n_tickets:Q", title="tickets behind it", format=","),
        alt.Tooltip("customers:Q", title="customers in stage", format=","),
    ]
    y = alt.Y("sentiment_mean:Q", title="mean ticket sentiment", scale=alt.Scale(domain=[-1, 1]))
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#9aa5b1", strokeDash=[4, 4]).encode(y="y:Q")
    band = base.mark_area(opacity=0.18, color="#7b8794").encode(
        x=x, y=alt.Y("sentiment_ci_low:Q", scale=alt.Scale(domain=[-1, 1])), y2="sentiment_ci_high:Q"
    )
    line = base.mark_line(color="#3e4c59", strokeWidth=2.5, interpolate="monotone").encode(x=x, y=y)
    points = base.mark_circle(color="#3e4c59", opacity=1).encode(
        x=x,
        y=y,
        size=alt.Size("n_tickets:Q", title="tickets", scale=alt.Scale(range=[40, 500])),
        tooltip=tooltip,
    )
    pain_base = alt.Chart(pains).transform_filter(f"persona == '{ALL}'")
    pain_tooltip = [
        alt.Tooltip("pain_rank:Q", title="rank"),
        alt.Tooltip("touchpoint:N"),
        alt.Tooltip("score:Q", format=".1f"),
        alt.Tooltip("evidence:N"),
    ]
    pain_marks = pain_base.mark_point(shape="triangle-down", size=260, filled=True, color="#c0392b").encode(
        x=x, y=alt.Y("sentiment_at_stage:Q", scale=alt.Scale(domain=[-1, 1])), tooltip=pain_tooltip
    )
    pain_labels = (
        pain_base.mark_text(
            align="left",
            dx=12,
            dy=alt.ExprRef("(datum.rank_in_stage - 1) * 15 + 2"),
            color="#c0392b",
            fontWeight="bold",
        )
        .encode(
            x=x,
            y=alt.Y("sentiment_at_stage:Q", scale=alt.Scale(domain=[-1, 1])),
            text=alt.Text("label:N"),
            tooltip=pain_tooltip,
        )
        .transform_calculate(label="'⚠ ' + datum.pain_rank + ' ' + datum.touchpoint")
    )
    curve = alt.layer(zero, band, line, points, pain_marks, pain_labels).properties(
        width=WIDTH, height=240, title=alt.Title("How it feels", anchor="start", fontSize=13)
    )
    tp_tooltip = [
        alt.Tooltip("touchpoint:N"),
        alt.Tooltip("stage:N"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("n_tickets:Q", title="tickets about it", format=","),
        alt.Tooltip("sentiment_mean:Q", title="sentiment", format=".2f"),
    ]
    tp_base = by_persona(alt.Chart(touchpoints))
    ty = alt.Y("row_in_stage:O", title=None, axis=None)
    # invalid=None: touchpoints without tickets (no sentiment) are drawn, in grey, not filtered out
    bubbles = tp_base.mark_circle(stroke="#52606d", strokeWidth=0.6, opacity=0.95, invalid=None).encode(
        x=alt.X("stage:N", sort=list(order), title=None, axis=None),
        y=ty,
        size=alt.Size("customers:Q", title="customers", scale=alt.Scale(range=[30, 1600])),
        color=alt.condition(
            "isValid(datum.sentiment_mean) && datum.n_tickets >= 5",  # a colour needs at least 5 tickets
            alt.Color("sentiment_mean:Q", title="sentiment", scale=SENTIMENT_SCALE),
            alt.value("#d9e2ec"),
        ),
        tooltip=tp_tooltip,
    )
    names = tp_base.mark_text(align="left", dx=22, fontSize=11, color="#1f2933").encode(
        x=alt.X("stage:N", sort=list(order), title=None, axis=None),
        y=ty,
        text="touchpoint:N",
        tooltip=tp_tooltip,
    )
    under = alt.layer(bubbles, names).properties(
        width=WIDTH,
        height=210,
        title=alt.Title(
            "Touchpoints (size: customers; colour: ticket sentiment; grey: fewer than 5 tickets)",
            anchor="start",
            fontSize=13,
        ),
    )
    return _theme(
        alt.vconcat(curve, under, spacing=8).add_params(persona_param()).resolve_scale(size="independent")
    )


def assumed_vs_actual(nodes: pd.DataFrame, edges: pd.DataFrame) -> alt.TopLevelMixin:
    """The assumed journey on the top lane; the actual directly-follows flow over it, width = customers."""
    edge_colors = alt.Scale(
        domain=["assumed step", "not in the assumed journey", "going back"],
        range=["#2471a3", "#e67e22", "#c0392b"],
    )
    node_colors = alt.Scale(
        domain=["assumed", "assumed, most skip it", "not in the assumed journey"],
        range=["#2471a3", "#f5b041", "#e67e22"],
    )
    edge_tooltip = [
        alt.Tooltip("from_touchpoint:N", title="from"),
        alt.Tooltip("to_touchpoint:N", title="to"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("kind:N"),
    ]
    xs = alt.Scale(zero=False, nice=False, padding=50)
    ys = alt.Scale(domain=[-4.9, 0.9])
    x = alt.X("x:Q", scale=xs, axis=None)
    y = alt.Y("y:Q", scale=ys, axis=None)
    lines = (
        by_persona(alt.Chart(edges))
        .mark_rule(opacity=0.55, strokeCap="round")
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth("customers:Q", title="customers", scale=alt.Scale(range=[0.5, 14])),
            color=alt.Color("kind:N", title="step", scale=edge_colors),
            strokeDash=alt.condition("datum.kind == 'going back'", alt.value([5, 4]), alt.value([1, 0])),
            tooltip=edge_tooltip,
        )
    )
    node_tooltip = [
        alt.Tooltip("touchpoint:N"),
        alt.Tooltip("step_label:N", title="assumed step"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share:Q", title="of customers", format=".1%"),
        alt.Tooltip("kind:N"),
    ]
    node_base = by_persona(alt.Chart(nodes))
    circles = node_base.mark_circle(opacity=1, stroke="white", strokeWidth=1.5).encode(
        x=x,
        y=y,
        size=alt.Size(
            "share:Q",
            title="share of customers",
            scale=alt.Scale(range=[40, 900]),
            legend=alt.Legend(format=".0%"),
        ),
        color=alt.Color("kind:N", title="touchpoint", scale=node_colors),
        tooltip=node_tooltip,
    )
    # labels alternate above and below their node (by step) so that neighbours do not overlap
    labels = (
        node_base.transform_calculate(
            label_y="datum.is_assumed && round(datum.x) % 2 == 1 ? datum.y + 0.3 : datum.y - 0.3"
        )
        .mark_text(fontSize=10.5, color="#1f2933", baseline="middle")
        .encode(x=x, y=alt.Y("label_y:Q", scale=ys, axis=None), text="touchpoint:N", tooltip=node_tooltip)
    )
    lanes = (
        alt.Chart(
            pd.DataFrame({"y": [0.75, -2.6], "label": ["assumed journey →", "not in the assumed journey ↓"]})
        )
        .mark_text(align="left", fontSize=11, fontStyle="italic", color="#7b8794")
        .encode(y=y, x=alt.value(0), text="label:N")
    )
    return _theme(
        alt.layer(lines, circles, labels, lanes)
        .add_params(persona_param())
        .properties(width=WIDE, height=380)
        .resolve_legend(color="independent")
        .resolve_scale(color="independent")
    )


def funnel(rows: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart | alt.FacetChart:
    """Customers reaching each stage, and the share of them who got no further."""
    base = by_persona(alt.Chart(rows))
    tooltip = [
        alt.Tooltip("stage:N"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share_of_customers:Q", title="of all customers", format=".1%"),
        alt.Tooltip("drop_off_rate:Q", title="drop-off", format=".1%"),
    ]
    x = alt.X("stage:N", sort=list(order), title=None, axis=alt.Axis(labelAngle=0))
    bars = base.mark_bar(color="#2471a3", cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        x=x, y=alt.Y("customers:Q", title="customers"), tooltip=tooltip
    )
    text = (
        base.mark_text(dy=-8, fontSize=11, color="#c0392b")
        .encode(x=x, y="customers:Q", text=alt.Text("drop_label:N"), tooltip=tooltip)
        .transform_calculate(
            drop_label="isValid(datum.drop_off_rate) ? format(datum.drop_off_rate, '.0%') + ' drop off' : ''"
        )
    )
    return (
        alt.layer(bars, text)
        .add_params(persona_param())
        .properties(width=380, height=240, title="Stage funnel")
    )


def stage_flow(rows: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart | alt.FacetChart:
    """Which stage follows which: customers per pair; steps back outlined in red."""
    base = by_persona(alt.Chart(rows))
    tooltip = [
        alt.Tooltip("from_stage:N", title="from"),
        alt.Tooltip("to_stage:N", title="to"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("n_transitions:Q", title="steps", format=","),
        alt.Tooltip("direction:N"),
    ]
    x = alt.X("to_stage:N", sort=list(order), title="to", axis=alt.Axis(labelAngle=0))
    y = alt.Y("from_stage:N", sort=list(order), title="from")
    cells = base.mark_rect(cornerRadius=3).encode(
        x=x,
        y=y,
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), legend=None),
        stroke=alt.condition("datum.direction == 'back'", alt.value("#c0392b"), alt.value(None)),
        strokeWidth=alt.value(2.5),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=11).encode(
        x=x,
        y=y,
        text=alt.Text("customers:Q", format=","),
        color=alt.condition("datum.customers > 1500", alt.value("white"), alt.value("#1f2933")),
        tooltip=tooltip,
    )
    return (
        alt.layer(cells, text)
        .add_params(persona_param())
        .properties(width=380, height=240, title="Stage flow (red outline: going back)")
    )


def funnel_and_flow(
    funnel_rows: pd.DataFrame, flow_rows: pd.DataFrame, order: Sequence[str]
) -> alt.TopLevelMixin:
    return _theme(alt.hconcat(funnel(funnel_rows, order), stage_flow(flow_rows, order), spacing=40))


def variants(rows: pd.DataFrame) -> alt.TopLevelMixin:
    """The most frequent whole paths and the 'other' bucket, as shares of customers; each path written out."""
    base = by_persona(alt.Chart(rows))
    tooltip = [
        alt.Tooltip("path_rank:Q", title="#"),
        alt.Tooltip("path_text:N", title="path"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share:Q", format=".1%"),
    ]
    y = alt.Y(
        "rank_label:N", sort=alt.EncodingSortField("path_rank"), title=None, axis=alt.Axis(labelFontSize=10)
    )
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X(
            "share:Q",
            title="share of customers",
            axis=alt.Axis(format="%", tickCount=4),
            scale=alt.Scale(type="sqrt"),
        ),
        y=y,
        color=alt.condition("datum.is_other", alt.value("#bcccdc"), alt.value("#2471a3")),
        tooltip=tooltip,
    )
    shares = base.mark_text(align="left", dx=3, fontSize=10).encode(
        x="share:Q", y=y, text=alt.Text("share:Q", format=".1%")
    )
    paths = base.mark_text(align="left", fontSize=10.5, font="ui-monospace, Menlo, monospace").encode(
        y=alt.Y("rank_label:N", sort=alt.EncodingSortField("path_rank"), axis=None),
        x=alt.value(0),
        text="path_text:N",
        color=alt.condition("datum.is_other", alt.value("#7b8794"), alt.value("#1f2933")),
        tooltip=tooltip,
    )
    left = alt.layer(bars, shares).properties(
        width=170, height=alt.Step(15), title="share (square-root scale)"
    )
    right = paths.properties(width=WIDE - 260, height=alt.Step(15), title="path")
    return _theme(alt.hconcat(left, right, spacing=10).add_params(persona_param()))


def stage_times(rows: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart | alt.FacetChart:
    """How long customers take from entering a stage to reaching a later one: distribution, median, p90."""
    base = by_persona(alt.Chart(rows))
    tooltip = [
        alt.Tooltip("stage:N"),
        alt.Tooltip("bin:N", title="time to a later stage"),
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share:Q", format=".1%"),
        alt.Tooltip("median_hours:Q", title="median hours", format=".2f"),
        alt.Tooltip("p90_hours:Q", title="p90 hours", format=".2f"),
    ]
    x = alt.X(
        "bin:N",
        sort=alt.EncodingSortField("bin_order"),
        title="time from entering the stage to reaching a later one",
        axis=alt.Axis(labelAngle=0),
    )
    y = alt.Y("stage:N", sort=list(order), title=None)
    cells = base.mark_rect(cornerRadius=3).encode(
        x=x, y=y, color=alt.Color("share:Q", scale=alt.Scale(scheme="purples"), legend=None), tooltip=tooltip
    )
    text = base.mark_text(fontSize=10).encode(
        x=x,
        y=y,
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share > 0.45", alt.value("white"), alt.value("#1f2933")),
        tooltip=tooltip,
    )
    return alt.layer(cells, text).add_params(persona_param()).properties(width=400, height=alt.Step(30))


def transition_times(rows: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Median (bar) and p90 (tick) time between the most frequent pairs of touchpoints, log scale."""
    tooltip = [
        alt.Tooltip("pair:N"),
        alt.Tooltip("n_transitions:Q", title="times", format=","),
        alt.Tooltip("median_hours:Q", title="median hours", format=".3f"),
        alt.Tooltip("p90_hours:Q", title="p90 hours", format=".3f"),
    ]
    base = alt.Chart(rows).transform_calculate(
        median_minutes="max(datum.median_hours * 60, 0.05)", p90_minutes="max(datum.p90_hours * 60, 0.05)"
    )
    y = alt.Y(
        "pair:N",
        sort=alt.EncodingSortField("n_transitions", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    xs = alt.Scale(type="log")
    rule = base.mark_rule(color="#9aa5b1").encode(
        x=alt.X("median_minutes:Q", scale=xs, title="minutes (log scale): median ● p90 |"),
        x2="p90_minutes:Q",
        y=y,
        tooltip=tooltip,
    )
    median = base.mark_circle(size=70, color="#2471a3", opacity=1).encode(
        x=alt.X("median_minutes:Q", scale=xs), y=y, tooltip=tooltip
    )
    p90 = base.mark_tick(color="#7b8794", thickness=2, size=12).encode(
        x=alt.X("p90_minutes:Q", scale=xs), y=y, tooltip=tooltip
    )
    return alt.layer(rule, median, p90).properties(width=250, height=alt.Step(18))


def times(stage_rows: pd.DataFrame, pair_rows: pd.DataFrame, order: Sequence[str]) -> alt.TopLevelMixin:
    return _theme(alt.hconcat(stage_times(stage_rows, order), transition_times(pair_rows), spacing=30))


def pain_points(rows: pd.DataFrame) -> alt.TopLevelMixin:
    """Pain point scores, worst first, split into what makes them up."""
    tooltip = [
        alt.Tooltip("pain_rank:Q", title="rank"),
        alt.Tooltip("touchpoint:N"),
        alt.Tooltip("stage:N"),
        alt.Tooltip("component:N"),
        alt.Tooltip("points:Q", title="points", format=".1f"),
        alt.Tooltip("score:Q", format=".1f"),
    ]
    colors = alt.Scale(
        domain=["voice of customers", "drop-off", "loops", "waiting"],
        range=["#c0392b", "#e67e22", "#f5b041", "#8e44ad"],
    )
    return _theme(
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title="score (0–100)", stack="zero"),
            y=alt.Y("touchpoint:N", sort=alt.EncodingSortField("pain_rank"), title=None),
            color=alt.Color("component:N", scale=colors, title="made of", sort=list(colors.domain)),
            order=alt.Order("component_order:Q"),
            tooltip=tooltip,
        )
        .properties(width=WIDTH - 300, height=alt.Step(22))
    )


def personas(sizes: pd.DataFrame, traits: pd.DataFrame) -> alt.TopLevelMixin:
    """Persona sizes, and how often each persona's defining traits occur in every persona."""
    size_chart = (
        alt.Chart(sizes)
        .mark_bar(color="#2471a3", cornerRadiusEnd=3)
        .encode(
            x=alt.X("customers:Q", title="customers"),
            y=alt.Y(
                "label:N", sort=alt.EncodingSortField("persona_id"), title=None, axis=alt.Axis(labelLimit=320)
            ),
            tooltip=[
                alt.Tooltip("label:N", title="persona"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(width=220, height=alt.Step(28), title="Size")
    )
    trait_tooltip = [
        alt.Tooltip("label:N", title="persona"),
        alt.Tooltip("trait:N"),
        alt.Tooltip("share_in_persona:Q", title="of the persona", format=".0%"),
    ]
    heat = (
        alt.Chart(traits)
        .mark_rect(cornerRadius=3)
        .encode(
            x=alt.X(
                "trait:N",
                title=None,
                sort=alt.EncodingSortField("trait_order"),
                axis=alt.Axis(labelAngle=-35, labelLimit=180),
            ),
            y=alt.Y("label:N", sort=alt.EncodingSortField("persona_id"), title=None, axis=None),
            color=alt.Color(
                "share_in_persona:Q",
                scale=alt.Scale(scheme="greens", domain=[0, 1]),
                title="share of persona",
                legend=alt.Legend(format="%"),
            ),
            tooltip=trait_tooltip,
        )
    )
    heat_text = (
        alt.Chart(traits)
        .mark_text(fontSize=10)
        .encode(
            x=alt.X("trait:N", sort=alt.EncodingSortField("trait_order")),
            y=alt.Y("label:N", sort=alt.EncodingSortField("persona_id"), axis=None),
            text=alt.Text("share_in_persona:Q", format=".0%"),
            color=alt.condition("datum.share_in_persona > 0.6", alt.value("white"), alt.value("#1f2933")),
            tooltip=trait_tooltip,
        )
    )
    traits_chart = alt.layer(heat, heat_text).properties(
        width=alt.Step(50), height=alt.Step(28), title="Defining traits"
    )
    return _theme(alt.hconcat(size_chart, traits_chart, spacing=20))


def data_quality(rows: pd.DataFrame) -> alt.TopLevelMixin:
    """Rows per source: loaded, duplicates, rejected by reason; and touchpoints that match no stage."""
    colors = alt.Scale(
        domain=["loaded", "duplicate", "rejected", "unmapped"],
        range=["#27ae60", "#95a5a6", "#c0392b", "#f5b041"],
    )
    tooltip = [
        alt.Tooltip("source:N"),
        alt.Tooltip("outcome:N"),
        alt.Tooltip("detail:N"),
        alt.Tooltip("n_rows:Q", title="rows", format=","),
    ]
    y = alt.Y(
        "detail:N",
        title=None,
        sort=alt.EncodingSortField("n_rows", order="descending"),
        axis=alt.Axis(labelLimit=260),
    )
    x = alt.X("n_rows:Q", title="rows (log scale)", scale=alt.Scale(type="log", domainMin=1))
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(x=x, y=y, color=alt.Color("outcome:N", scale=colors, title=None), tooltip=tooltip)
    )
    counts = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=10)
        .encode(x=x, y=y, text=alt.Text("n_rows:Q", format=","))
    )
    return _theme(
        alt.layer(bars, counts, data=rows)
        .properties(width=WIDTH - 380, height=alt.Step(18))
        .facet(
            row=alt.Row(
                "source:N",
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            )
        )
        .resolve_scale(y="independent")
    )


def history(rows: pd.DataFrame) -> alt.TopLevelMixin:
    """Figures run after run: conformance, stage reach, pain point scores."""
    tooltip = [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("metric:N"),
        alt.Tooltip("value:Q", format=",.3~f"),
    ]

    def panel(group: str, title: str) -> alt.Chart:
        return (
            alt.Chart(rows)
            .transform_filter(alt.datum.metric_group == group)
            .mark_line(point=True)
            .encode(
                x=alt.X(
                    "started_at:T",
                    title=None,
                    axis=alt.Axis(format="%d %b %H:%M", labelAngle=-30, tickCount=5),
                ),
                y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
                color=alt.Color(
                    "metric:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=150)
                ),
                tooltip=tooltip,
            )
            .properties(width=270, height=170, title=title)
        )

    return _theme(
        alt.hconcat(
            panel("conformance", "assumed vs actual"),
            panel("stage reach", "customers reaching each stage"),
            panel("pain score", "pain point scores"),
            spacing=40,
        ).resolve_scale(color="independent")
    )
