"""lifecircle Streamlit dashboard: thin pages over geo."""
