"""The bulk loader behind ``manage.py seed_scale`` (see ``load.py``): the spread it draws from, the
demo world it spreads over, the generator and the COPY plumbing, one module each."""
