"""Prices for project 17: US consumer prices by quarter (1959 to 2009) and monthly stock prices (2000 to 2010).

Both ship inside installed packages, so nothing downloads: statsmodels'
``macrodata.csv`` (203 quarters of the US economy, the consumer price index
among them) and vega_datasets' ``stocks.csv`` (monthly closing prices of five
technology companies). The project forecasts next quarter's inflation, the
percent change of the price index; the stocks are there to show why a month of
stock returns is a poor thing to forecast.

Example:

>>> from keras_course.projects.prices import inflation_features
>>> quarters, features, inflation = inflation_features()
>>> features.shape, round(float(quarters[0]), 2)
((202, 2), 1959.25)
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

FEATURES = ("inflation", "tbill")  # the two columns the forecaster reads, in this order
N_TRAIN = 123  # quarters 1959Q2 to 1989Q4 train; 1990Q1 to 2009Q3 are the test period
WINDOW = 8  # quarters of history the forecaster reads: two years


def macrodata_file() -> Path:
    """The path of statsmodels' ``macrodata.csv`` (installed with statsmodels)."""
    from statsmodels.datasets import macrodata

    return Path(macrodata.__file__).with_name("macrodata.csv")


def stocks_file() -> Path:
    """The path of vega_datasets' ``stocks.csv`` (shipped in its wheel: ``data.stocks.is_local`` is True)."""
    import vega_datasets

    return Path(vega_datasets.__file__).parent / "_data" / "stocks.csv"


def parse_macrodata(path: Path | str) -> dict[str, np.ndarray]:
    """Read a file in ``macrodata.csv``'s format: a header of quoted column names, then one row per quarter.

    Args:
        path: the CSV file.

    Returns:
        One float64 array per column, by name (``"year"``, ``"quarter"``, ``"cpi"``, ``"tbilrate"``, ...).

    Raises:
        ValueError: when a row has another number of fields than the header.

    Example:

    >>> columns = parse_macrodata(macrodata_file())
    >>> columns["cpi"][:2]
    array([28.98, 29.15])
    """
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], [row for row in rows[1:] if row]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}: line {number} has {len(row)} fields where the header names {len(header)}.")
    values = np.array(body, dtype=np.float64).reshape(len(body), len(header))
    return {name: values[:, i] for i, name in enumerate(header)}


def parse_stocks(path: Path | str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a file in ``stocks.csv``'s format: ``symbol,date,price`` rows such as ``MSFT,Jan 1 2000,39.81``.

    Args:
        path: the CSV file.

    Returns:
        For each symbol, in the file's order: ``(months, prices)``, the dates as NumPy months
        (``datetime64[M]``) and the closing prices as float64.

    Example:

    >>> stocks = parse_stocks(stocks_file())
    >>> list(stocks), len(stocks["IBM"][1])
    (['MSFT', 'AMZN', 'IBM', 'GOOG', 'AAPL'], 123)
    """
    from datetime import datetime

    series: dict[str, tuple[list, list]] = {}
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            months, prices = series.setdefault(row["symbol"], ([], []))
            months.append(np.datetime64(datetime.strptime(row["date"], "%b %d %Y"), "M"))
            prices.append(float(row["price"]))
    return {name: (np.array(months), np.array(prices)) for name, (months, prices) in series.items()}


def consumer_prices() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The US consumer price index by quarter, 1959Q1 to 2009Q3, with the 3-month Treasury bill rate.

    Returns:
        ``(quarters, cpi, tbill)``: the quarters as decimal years (1959.0, 1959.25, ...), the index
        (1982-84 = 100) and the bill rate in percent a year, 203 values each, float64.
    """
    columns = parse_macrodata(macrodata_file())
    return columns["year"] + (columns["quarter"] - 1.0) / 4.0, columns["cpi"], columns["tbilrate"]


def inflation_features() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the forecaster reads and predicts, one row per quarter from 1959Q2 (the first with a change).

    Inflation here is the change of the log price index in percent, ``100 * log(cpi_t / cpi_{t-1})``:
    about 1 in an ordinary quarter. The bill rate is the interest rate the Treasury paid that quarter.

    Returns:
        ``(quarters, features, inflation)``: quarters (202,), features (202, 2) holding
        ``[inflation, tbill]`` (see ``FEATURES``), and the inflation column (202,) alone, float64.
    """
    quarters, cpi, tbill = consumer_prices()
    inflation = 100.0 * np.diff(np.log(cpi))
    return quarters[1:], np.stack([inflation, tbill[1:]], axis=1), inflation


def monthly_returns() -> dict[str, np.ndarray]:
    """Each stock's monthly log returns in percent, ``100 * log(p_t / p_{t-1})``, by symbol."""
    return {name: 100.0 * np.diff(np.log(prices)) for name, (_, prices) in parse_stocks(stocks_file()).items()}
