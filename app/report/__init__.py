"""Annual-report statistics: rendering the official tables (XLSX, CSV, HTML)."""
