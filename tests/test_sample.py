"""The synthetic generator: reproducible, shaped like a shop export, every behaviour present."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from segtui import sample
from segtui.errors import SegtuiError
from segtui.resources import SAMPLE_FILE
from segtui.sample import (
    SAMPLE_CUSTOMERS,
    SAMPLE_SEED,
    customers_for_transactions,
    generate_transactions,
    write_sample,
)

N = 3000
END = sample.DEFAULT_END


@pytest.fixture(scope="module")
def tx() -> pl.DataFrame:
    return generate_transactions(customers=N, seed=7)


@pytest.fixture(scope="module")
def per_customer(tx: pl.DataFrame) -> pl.DataFrame:
    return _facts(tx)


def _facts(tx: pl.DataFrame) -> pl.DataFrame:
    """Per-customer facts computed independently of segtui's customer view."""
    sales = tx.filter(pl.col("order_id").str.starts_with("O"))
    orders = sales.group_by("order_id").agg(
        pl.col("customer_id").first(),
        pl.col("order_date").first(),
        discounted=(pl.col("discount") > 0).any(),
    )
    per_order = orders.group_by("customer_id").agg(
        orders=pl.len(),
        first_day=pl.col("order_date").dt.date().min(),
        last_day=pl.col("order_date").dt.date().max(),
        second_day=pl.col("order_date").dt.date().unique().sort().get(1, null_on_oob=True),
        discount_share=pl.col("discounted").mean(),
        weekend_share=(pl.col("order_date").dt.weekday() >= 6).mean(),
    )
    revenue = tx.group_by("customer_id").agg(
        revenue=pl.col("amount").sum(),
        q4_share=pl.col("amount").filter(pl.col("order_date").dt.month() >= 10).sum() / pl.col("amount").sum(),
    )
    return per_order.join(revenue, on="customer_id")


# --- reproducibility ---------------------------------------------------------------------


def test_same_seed_gives_same_frame_and_other_seed_differs() -> None:
    a = generate_transactions(customers=200, seed=3)
    assert a.equals(generate_transactions(customers=200, seed=3))
    assert not a.equals(generate_transactions(customers=200, seed=4))


def test_same_seed_gives_byte_identical_csv(tmp_path: Path) -> None:
    first = write_sample(tmp_path / "a.csv", customers=300, seed=11)
    second = write_sample(tmp_path / "b.csv", customers=300, seed=11)
    assert first.read_bytes() == second.read_bytes()


def test_bundled_sample_matches_the_documented_command(tmp_path: Path) -> None:
    fresh = write_sample(tmp_path / "transactions.csv", customers=SAMPLE_CUSTOMERS, seed=SAMPLE_SEED)
    assert SAMPLE_FILE.read_bytes() == fresh.read_bytes(), (
        "sample_data/transactions.csv is stale: regenerate it with "
        f"`segtui sample -o sample_data/transactions.csv --customers {SAMPLE_CUSTOMERS} --seed {SAMPLE_SEED}`"
    )
    assert SAMPLE_FILE.stat().st_size < 5_000_000
    readme = (SAMPLE_FILE.parent / "README.md").read_text()
    assert f"--customers {SAMPLE_CUSTOMERS} --seed {SAMPLE_SEED}" in readme


# --- shape -------------------------------------------------------------------------------


def test_columns_and_dtypes(tx: pl.DataFrame) -> None:
    assert tx.schema == pl.Schema(
        {
            "customer_id": pl.String,
            "order_id": pl.String,
            "order_date": pl.Datetime("us"),
            "product": pl.String,
            "category": pl.String,
            "quantity": pl.Int64,
            "unit_price": pl.Float64,
            "amount": pl.Float64,
            "discount": pl.Float64,
            "channel": pl.String,
            "device": pl.String,
            "country": pl.String,
            "age_band": pl.String,
        }
    )
    # Only device has nulls, and exactly on store orders.
    nulls = tx.null_count().row(0, named=True)
    assert {k for k, v in nulls.items() if v} == {"device"}
    assert tx.filter(pl.col("device").is_null())["channel"].unique().to_list() == ["store"]
    assert tx.filter(pl.col("channel") == "store")["device"].null_count() == tx.filter(pl.col("channel") == "store").height


def test_every_customer_appears_with_ids_in_a_fixed_format(tx: pl.DataFrame) -> None:
    assert tx["customer_id"].n_unique() == N
    assert tx["customer_id"].str.contains(r"^C\d{7}$").all()
    assert tx["order_id"].str.contains(r"^[OR]\d{8}$").all()


def test_amount_is_quantity_times_price_minus_discount(tx: pl.DataFrame) -> None:
    gap = (tx["amount"] - (tx["quantity"] * tx["unit_price"] - tx["discount"])).abs()
    assert gap.max() <= 0.0051
    sales = tx.filter(pl.col("quantity") > 0)
    assert (sales["discount"] >= 0).all() and (sales["discount"] < sales["quantity"] * sales["unit_price"]).all()


def test_sorted_by_time_and_order_numbers_follow_time(tx: pl.DataFrame) -> None:
    assert tx["order_date"].is_sorted()
    sales = tx.filter(pl.col("order_id").str.starts_with("O"))
    assert sales["order_id"].is_sorted()
    assert sales["order_id"].str.slice(1).cast(pl.Int64).unique().sort().to_list() == list(
        range(1, sales["order_id"].n_unique() + 1)
    )


def test_dates_stay_inside_the_span_and_carry_times(tx: pl.DataFrame) -> None:
    assert tx["order_date"].min() >= datetime(2024, 1, 1)
    assert tx["order_date"].max() < datetime.combine(END + timedelta(days=1), datetime.min.time())
    hours = tx["order_date"].dt.hour()
    assert (tx["order_date"].dt.time() == datetime.min.time()).mean() < 0.01
    # every daypart: night, morning, afternoon, evening
    for lo, hi in [(0, 6), (6, 12), (12, 17), (17, 22)]:
        assert ((hours >= lo) & (hours < hi)).mean() > 0.05


def test_custom_span_is_respected() -> None:
    df = generate_transactions(customers=100, seed=1, start=date(2020, 3, 1), end=date(2020, 6, 30))
    days = df["order_date"].dt.date()
    assert days.min() >= date(2020, 3, 1) and days.max() <= date(2020, 6, 30)


def test_lines_per_customer_ratio() -> None:
    df = generate_transactions(customers=20_000, seed=5)
    assert 9.0 <= df.height / 20_000 <= 11.0
    # lines per order: several, on average
    assert 2.0 <= df.height / df["order_id"].n_unique() <= 3.0
    assert customers_for_transactions(10_000_000) == 1_000_000
    assert customers_for_transactions(3) == 1


def test_several_values_per_attribute(tx: pl.DataFrame) -> None:
    assert set(tx["channel"]) == {"web", "app", "store", "marketplace"}
    assert set(tx["device"].drop_nulls()) == {"desktop", "mobile", "tablet"}
    assert set(tx["age_band"]) == {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
    assert tx["category"].n_unique() == 8 and tx["product"].n_unique() > 30
    countries = tx.group_by("customer_id").agg(pl.col("country").first())["country"].value_counts(sort=True)
    assert countries.height >= 8
    assert countries["count"][0] > 3 * countries["count"][4]  # skewed, one big home market


# --- behaviours --------------------------------------------------------------------------


def test_one_and_done_share(per_customer: pl.DataFrame) -> None:
    assert 0.30 <= (per_customer["orders"] == 1).mean() <= 0.45


def test_vip_head_holds_a_large_revenue_share(per_customer: pl.DataFrame) -> None:
    revenue = per_customer["revenue"].sort(descending=True)
    top = revenue.head(N // 20).sum() / revenue.sum()
    assert top > 0.25  # 5 times a fair share


def test_churned_and_new_customers(per_customer: pl.DataFrame) -> None:
    churned = per_customer["last_day"] < END - timedelta(days=365)
    new = per_customer["first_day"] > END - timedelta(days=90)
    assert 0.10 < churned.mean() < 0.45
    assert 0.05 < new.mean() < 0.30


def test_discount_seekers(per_customer: pl.DataFrame, tx: pl.DataFrame) -> None:
    seekers = per_customer.filter((pl.col("orders") >= 3) & (pl.col("discount_share") >= 0.8))
    assert seekers.height >= 0.01 * N
    # ...while discounts are the exception overall
    assert (tx.filter(pl.col("quantity") > 0)["discount"] > 0).mean() < 0.3


def test_charmed_customers_come_back_within_two_weeks(per_customer: pl.DataFrame) -> None:
    gap = (per_customer["second_day"] - per_customer["first_day"]).dt.total_days().drop_nulls()
    assert ((gap >= 1) & (gap <= 14)).mean() > 0.2
    assert (gap > 14).mean() > 0.2


def _seasonal(facts: pl.DataFrame) -> tuple[int, int]:
    """Customers with 3+ orders, the first before 2025: how many are Q4-heavy, weekend-heavy."""
    established = facts.filter((pl.col("first_day") < date(2025, 1, 1)) & (pl.col("orders") >= 3))
    return int((established["q4_share"] >= 0.8).sum()), int((established["weekend_share"] >= 0.8).sum())


def test_q4_and_weekend_shoppers_exist(per_customer: pl.DataFrame) -> None:
    q4_heavy, weekend_heavy = _seasonal(per_customer)
    assert q4_heavy >= 0.01 * N and weekend_heavy >= 0.01 * N
    # ...but they are a minority: most customers buy all year round and on weekdays
    assert (per_customer.filter(pl.col("orders") >= 3)["weekend_share"]).median() < 0.5


def test_q4_and_weekend_shoppers_are_planted(per_customer: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    # Short activity windows alone make some customers look seasonal; the planted
    # shoppers must add clearly more on top of that.
    monkeypatch.setattr(sample, "_Q4_SHOPPER_SHARE", 0.0)
    monkeypatch.setattr(sample, "_WEEKEND_SHOPPER_SHARE", 0.0)
    q4_base, weekend_base = _seasonal(_facts(generate_transactions(customers=N, seed=7)))
    q4_heavy, weekend_heavy = _seasonal(per_customer)
    assert q4_heavy > 1.4 * q4_base
    assert weekend_heavy > 3 * weekend_base


def test_returns_are_negative_lines_of_earlier_orders(tx: pl.DataFrame) -> None:
    returns = tx.filter(pl.col("order_id").str.starts_with("R"))
    assert 0.02 <= returns.height / tx.height <= 0.06
    assert (returns["quantity"] < 0).all() and (returns["amount"] < 0).all() and (returns["discount"] <= 0).all()
    assert (tx.filter(pl.col("order_id").str.starts_with("O"))["quantity"] > 0).all()
    original = tx.filter(pl.col("order_id").str.starts_with("O")).group_by("order_id").agg(
        pl.col("customer_id").first(), sold_at=pl.col("order_date").first(), lines=pl.len(), units=pl.col("quantity").sum()
    )
    back = returns.group_by("order_id").agg(
        pl.col("customer_id").first(), returned_at=pl.col("order_date").first(), lines=pl.len(), units=-pl.col("quantity").sum()
    ).with_columns(pl.format("O{}", pl.col("order_id").str.slice(1)).alias("order_id"))
    pairs = back.join(original, on="order_id", suffix="_sold", how="left")
    assert pairs["customer_id_sold"].null_count() == 0
    assert (pairs["customer_id"] == pairs["customer_id_sold"]).all()
    assert (pairs["returned_at"] > pairs["sold_at"]).all()
    assert (pairs["units"] <= pairs["units_sold"]).all()
    whole = pairs.filter((pl.col("lines") == pl.col("lines_sold")) & (pl.col("units") == pl.col("units_sold")))
    assert whole.height >= 5  # some orders come back in full


# --- writing -----------------------------------------------------------------------------

READERS = {
    ".csv": lambda p: pl.read_csv(p, try_parse_dates=True),
    ".parquet": pl.read_parquet,
    ".jsonl": pl.read_ndjson,
    ".json": pl.read_json,
    ".xlsx": pl.read_excel,
}


@pytest.mark.parametrize("suffix", list(READERS))
def test_each_format_writes_and_reads_back(tmp_path: Path, suffix: str) -> None:
    expected = generate_transactions(customers=40, seed=2)
    out = write_sample(tmp_path / f"tx{suffix}", customers=40, seed=2)
    assert out == tmp_path / f"tx{suffix}"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left behind
    back = READERS[suffix](out)
    assert back.columns == expected.columns
    assert back["customer_id"].to_list() == expected["customer_id"].to_list()
    assert back["amount"].to_list() == pytest.approx(expected["amount"].to_list())
    if suffix in (".csv", ".parquet"):
        assert back.equals(expected)


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "tx.csv"
    target.write_text("old")
    write_sample(target, customers=10, seed=0)
    assert target.read_text().startswith("customer_id,order_id,order_date")


def test_failed_write_leaves_target_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "tx.csv"
    target.write_text("old")

    def broken(frame: pl.DataFrame, path: Path, suffix: str) -> None:
        path.write_text("half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sample, "_write", broken)
    with pytest.raises(SegtuiError, match="No space left"):
        write_sample(target, customers=10, seed=0)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["tx.csv"]


@pytest.mark.parametrize(
    ("path", "message"),
    [("tx.txt", "unknown output format '.txt'"), ("tx", "no extension"), ("missing/tx.csv", "does not exist")],
)
def test_bad_targets_raise_one_line_errors(tmp_path: Path, path: str, message: str) -> None:
    with pytest.raises(SegtuiError, match=message) as err:
        write_sample(tmp_path / path, customers=10)
    assert "\n" not in str(err.value)


def test_bad_arguments_raise() -> None:
    with pytest.raises(SegtuiError, match="between 1 and 10,000,000"):
        generate_transactions(customers=0)
    with pytest.raises(SegtuiError, match="before start"):
        generate_transactions(start=date(2025, 1, 2), end=date(2025, 1, 1))


# --- bad arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [({"seed": -1}, "seed"), ({"customers": 99_999_999_999_999}, "customers")],
)
def test_out_of_range_arguments_are_a_segtui_error(kwargs: dict, needle: str) -> None:
    with pytest.raises(SegtuiError, match=needle):
        generate_transactions(**{"customers": 10, **kwargs})


def test_numpy_the_generator_needs_is_a_declared_dependency() -> None:
    # `pip install -e .` (no extras) must be enough for `segtui sample`.
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    declared = {dep.split(">")[0].split("=")[0].split("[")[0].strip().lower() for dep in pyproject["project"]["dependencies"]}
    assert "numpy" in declared
