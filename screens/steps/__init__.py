"""What each step shows and decides, the same for both views (the full screen and the line mode): its texts,
the choices it offers on this host, the answers a choice makes, the checks and the work it asks of the engine.
Nothing here imports Textual or rich: the views style and lay out what these modules say."""
