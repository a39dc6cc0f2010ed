"""Payment gateway client used by checkout."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests

from checkout.config import settings

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 0.5


@dataclass(frozen=True)
class Charge:
    """A captured payment."""

    order_id: str
    amount_cents: int
    currency: str = 'EUR'


class PaymentClient:
    """Talks to the payment gateway over HTTPS."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout or DEFAULT_TIMEOUT
        self._session = requests.Session()

    def charge(self, order_id: str, amount_cents: int) -> Charge:
        """Charge an order; retries twice on timeouts."""
        url = f'{self.base_url}/v2/charges'
        payload = {'order': order_id, 'amount': amount_cents}
        for attempt in range(3):
            started = time.monotonic()
            try:
                response = self._session.post(url, json=payload, timeout=self.timeout)
            except requests.Timeout:
                elapsed = time.monotonic() - started
                logger.warning('timeout after %s s (attempt %d)', elapsed, attempt)
                continue
            response.raise_for_status()
            body = response.json()
            return Charge(order_id, body['amount'], body['currency'])
        raise TimeoutError(f'payment for {order_id} timed out 3 times')

    def refund(self, order_id: str) -> dict[str, object]:
        """Refund for an order."""
        url = f'{self.base_url}/v2/refund/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

    def capture(self, order_id: str) -> dict[str, object]:
        """Capture for an order."""
        url = f'{self.base_url}/v2/capture/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

    def void(self, order_id: str) -> dict[str, object]:
        """Void for an order."""
        url = f'{self.base_url}/v2/void/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

    def status(self, order_id: str) -> dict[str, object]:
        """Status for an order."""
        url = f'{self.base_url}/v2/status/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

    def list_charges(self, order_id: str) -> dict[str, object]:
        """List charges for an order."""
        url = f'{self.base_url}/v2/list_charges/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

    def webhook_secret(self, order_id: str) -> dict[str, object]:
        """Webhook secret for an order."""
        url = f'{self.base_url}/v2/webhook_secret/{order_id}'
        started = time.monotonic()
        response = self._session.get(url, timeout=self.timeout)
        logger.debug('%s took %.3f s', url, time.monotonic() - started)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError('unexpected payload')
        return data

