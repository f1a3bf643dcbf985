"""Interoperation with other corpora's layouts: RedPajama-V2 shards and Dolma documents + attributes."""
