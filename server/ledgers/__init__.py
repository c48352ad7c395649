"""The named ledgers behind the counts (台账): every dead or missing person (因灾死亡失踪人口台账) and every
household whose house collapsed or was damaged (因灾倒塌损坏住房户台账), per event and village. Damage reports, the
roll-up and the exports read them (server/damage/reconcile.py: the report's figures against them, in the damage
feature, which sits above the ledgers and names the figures); they read none of those."""
