"""The SEN register (status over time, areas of need) and support plans (IEP, EHC plan, action plan
and the rest) with SMART targets, provision and reviews; the inclusion manager's list."""
