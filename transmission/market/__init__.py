"""Market data: loading, validation, the exchange calendar, resampling and the simulator."""
