"""Standards: the facility taxonomy, its life-circle levels and the rules behind them."""
