"""Operations: health endpoint, structured request logs, the production server settings."""
