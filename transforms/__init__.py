"""DuckDB SQL models (staging → intermediate → marts), their runner, the indicator catalogue and methods."""
