"""The crowd model, apart from any platform: labour supply at the offered pay (``supply``), a worker's
behaviour over a session (``behaviour``), fitting a population from recorded answers (``fit``,
``python -m foodcrowd.crowd fit``), and predictions from a population before anything is created
(``predict``: label accuracy per question, expected shortfall).

The emulator (``foodcrowd.emulator``) draws its simulated workers from a population and calls
``behaviour`` through small hooks; the plan stage calls ``predict``. Nothing here imports the engine.
"""
__all__: list[str] = []
