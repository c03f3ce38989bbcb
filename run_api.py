"""Serve the transmission API: `python run_api.py` (settings from TRANSMISSION_* variables)."""

from transmission.api.main import run_server

if __name__ == "__main__":
    run_server()
