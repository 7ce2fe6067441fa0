"""Server-rendered pages (HTML). Thin: they call the core and render a template."""
