"""The arithmetic of a discount, in whole pence.

Rounding, in one place:

- A percentage is taken of the eligible subtotal (the lines the code applies to, all
  together, not line by line) and rounded to the nearest penny, halves up:
  10% of £0.05 is 1p, 10% of £0.04 is 0p.
- An amount off never exceeds the eligible subtotal, so no total goes below zero and
  delivery is never discounted (only free-delivery codes touch delivery).
- The order's discount is then shared out over the eligible lines in proportion to
  their totals by the largest-remainder method: each line gets the whole pence of its
  exact share, and the pence left over go one each to the lines with the largest
  fractions left (the earlier line first on a tie). The lines' discounts therefore sum
  exactly to the order's discount, and no line is discounted by more than its total.
"""

from __future__ import annotations

from collections.abc import Sequence


def percent_of(pence: int, percent: int) -> int:
    """`percent`% of `pence`, rounded to the nearest penny (halves up)."""
    if pence < 0 or not 0 <= percent <= 100:
        raise ValueError("percent_of takes pence >= 0 and a percentage from 0 to 100")
    return (pence * percent + 50) // 100


def amount_off(pence: int, amount: int) -> int:
    """A fixed amount off `pence`, never more than `pence`."""
    return max(0, min(amount, pence))


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Share `total` pence over `weights` (line totals) by the largest-remainder method.

    The shares sum to `total` exactly, each is at most its weight when `total` is at
    most the sum of the weights, and a weight of 0 gets nothing.
    """
    whole = sum(weights)
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValueError("allocate takes amounts of 0 or more")
    if total == 0 or whole == 0:
        if total and not whole:
            raise ValueError("cannot share pence over nothing")
        return [0] * len(weights)
    shares = [total * weight // whole for weight in weights]
    remainders = [total * weight % whole for weight in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in order[:left]:
        shares[index] += 1
    return shares
