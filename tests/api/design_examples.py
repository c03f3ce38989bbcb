# ruff: noqa: W293  (the examples are verbatim, their blank lines' indentation included)
"""The original backend design's client examples, verbatim (../shared/original-backend-design.md).

The one change, which the design's own text calls for (DESIGN.md section 10): the JavaScript
`send` is moved into `onopen`, since the design calls it before the socket has opened.
"""

PYTHON_EXAMPLE = """import asyncio
import websockets
import json

async def listen():
    uri = "ws://localhost:8000/ws"
    async with websockets.connect(uri) as websocket:
        while True:
            message = await websocket.recv()
            data = json.loads(message)
            print(f"Received: {data}")

asyncio.run(listen())
"""

JAVASCRIPT_EXAMPLE = """const ws = new WebSocket('ws://localhost:8000/ws');

ws.onmessage = (event) => {
  const data = JSON.parse(event.data);
  
  switch(data.type) {
    case 'regime_change':
      console.log('Regime changed to:', data.regime);
      break;
    case 'signal':
      console.log('Signal generated:', data.signal);
      break;
    case 'risk_update':
      console.log('Risk update:', data.risk);
      break;
  }
};

// Send ping
ws.onopen = () => ws.send(JSON.stringify({ type: 'ping' }));
"""

SYSTEM_STATUS_EXAMPLE = """{
  "system_state": "ready",
  "current_regime": "TREND",
  "active_strategy": "VWAP Pullback",
  "daily_pnl_r": 0.5,
  "weekly_pnl_r": 1.2,
  "current_r": 5.0,
  "consecutive_red_days": 0,
  "can_trade": true,
  "risk_reason": "All systems operational"
}"""

TRADE_LIST_EXAMPLE = """{
  "trades": [
    {
      "trade_id": 1,
      "timestamp_entry": "2025-01-12T10:00:00",
      "symbol": "MNQ",
      "trade_type": "Long",
      "strategy_used": "VWAP Pullback",
      "entry_price": 15000.0,
      "result_r": 1.5
    }
  ],
  "total": 1,
  "limit": 20,
  "offset": 0
}"""

METRICS_EXAMPLE = """{
  "window_trades": 20,
  "profit_factor": 1.8,
  "expected_r": 0.5,
  "win_rate": 0.65,
  "win_rate_wilson_lb": 0.45,
  "total_trades": 20,
  "total_wins": 13,
  "total_losses": 7,
  "avg_win_r": 1.2,
  "avg_loss_r": -0.8
}"""
